from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.send_message_request_data import SendMessageRequestData





T = TypeVar("T", bound="SendMessageRequest")



@_attrs_define
class SendMessageRequest:
    """ A channel-neutral message; each type uses the parts it can carry (chat:
    `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
    `data` (or the text parts) and `eventType`; AI gateways: `text` as the
    prompt).

        Attributes:
            data (SendMessageRequestData | Unset): The webhook payload (`data` in the delivered body).
            event_type (str | Unset): The webhook event type (`type` in the delivered body).
            html (str | Unset): HTML body (email).
            subject (str | Unset): Subject line: required for email; chat types put it before the text.
            text (str | Unset): Plain text: the chat message, the email body (or `html`), the AI
                prompt.
            to (list[str] | Unset): Email recipients (`addr@example.com` or `Name <addr@example.com>`).
     """

    data: SendMessageRequestData | Unset = UNSET
    event_type: str | Unset = UNSET
    html: str | Unset = UNSET
    subject: str | Unset = UNSET
    text: str | Unset = UNSET
    to: list[str] | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.send_message_request_data import SendMessageRequestData # noqa: PLC0415
        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        event_type = self.event_type

        html = self.html

        subject = self.subject

        text = self.text

        to: list[str] | Unset = UNSET
        if not isinstance(self.to, Unset):
            to = self.to




        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if data is not UNSET:
            field_dict["data"] = data
        if event_type is not UNSET:
            field_dict["eventType"] = event_type
        if html is not UNSET:
            field_dict["html"] = html
        if subject is not UNSET:
            field_dict["subject"] = subject
        if text is not UNSET:
            field_dict["text"] = text
        if to is not UNSET:
            field_dict["to"] = to

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.send_message_request_data import SendMessageRequestData # noqa: PLC0415
        d = dict(src_dict)
        _data = d.pop("data", UNSET)
        data: SendMessageRequestData | Unset
        if isinstance(_data,  Unset):
            data = UNSET
        else:
            data = SendMessageRequestData.from_dict(_data)




        event_type = d.pop("eventType", UNSET)

        html = d.pop("html", UNSET)

        subject = d.pop("subject", UNSET)

        text = d.pop("text", UNSET)

        to = cast(list[str], d.pop("to", UNSET))


        send_message_request = cls(
            data=data,
            event_type=event_type,
            html=html,
            subject=subject,
            text=text,
            to=to,
        )

        return send_message_request

