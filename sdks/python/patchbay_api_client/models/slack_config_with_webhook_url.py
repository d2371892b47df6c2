from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SlackConfigWithWebhookUrl")



@_attrs_define
class SlackConfigWithWebhookUrl:
    """ 
        Attributes:
            webhook_url (str): Slack incoming webhook URL (https://hooks.slack.com/services/...). Give this or botToken.
            channel (None | str | Unset): Channel id (C0123456789) or #name; required with botToken.
     """

    webhook_url: str
    channel: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        webhook_url = self.webhook_url

        channel: None | str | Unset
        if isinstance(self.channel, Unset):
            channel = UNSET
        else:
            channel = self.channel


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "webhookUrl": webhook_url,
        })
        if channel is not UNSET:
            field_dict["channel"] = channel

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        webhook_url = d.pop("webhookUrl")

        def _parse_channel(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        channel = _parse_channel(d.pop("channel", UNSET))


        slack_config_with_webhook_url = cls(
            webhook_url=webhook_url,
            channel=channel,
        )

        return slack_config_with_webhook_url

