from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.send_message_request import SendMessageRequest





T = TypeVar("T", bound="BulkSendItem")



@_attrs_define
class BulkSendItem:
    """ One message of a bulk send: exactly one of `integrationId` and `groupId`.

        Attributes:
            message (SendMessageRequest): A channel-neutral message; each type uses the parts it can carry (chat:
                `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
                `data` (or the text parts) and `eventType`; AI gateways: `text` as the
                prompt).
            group_id (str | Unset): Send to this integration group (`grp_…`), as `POST /api/integration-groups/{id}/send`.
            idempotency_key (str | Unset): This item's `Idempotency-Key`: a repeat of the item with the same key
                and message within 24 h answers the first delivery (or group send)
                and creates nothing.
            integration_id (str | Unset): Send through this integration (`int_…`), as `POST /api/integrations/{id}/send`.
     """

    message: SendMessageRequest
    group_id: str | Unset = UNSET
    idempotency_key: str | Unset = UNSET
    integration_id: str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.send_message_request import SendMessageRequest # noqa: PLC0415
        message = self.message.to_dict()

        group_id = self.group_id

        idempotency_key = self.idempotency_key

        integration_id = self.integration_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "message": message,
        })
        if group_id is not UNSET:
            field_dict["groupId"] = group_id
        if idempotency_key is not UNSET:
            field_dict["idempotencyKey"] = idempotency_key
        if integration_id is not UNSET:
            field_dict["integrationId"] = integration_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.send_message_request import SendMessageRequest # noqa: PLC0415
        d = dict(src_dict)
        message = SendMessageRequest.from_dict(d.pop("message"))




        group_id = d.pop("groupId", UNSET)

        idempotency_key = d.pop("idempotencyKey", UNSET)

        integration_id = d.pop("integrationId", UNSET)

        bulk_send_item = cls(
            message=message,
            group_id=group_id,
            idempotency_key=idempotency_key,
            integration_id=integration_id,
        )

        return bulk_send_item

