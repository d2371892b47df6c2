from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SlackConfigPatch")



@_attrs_define
class SlackConfigPatch:
    """ Changes to a Slack integration's config: a key left out keeps its stored value, `null` removes it.

        Attributes:
            bot_token (None | str | Unset): Slack bot (xoxb-) or user (xoxp-) token. Give this or webhookUrl.
            channel (None | str | Unset): Channel id (C0123456789) or #name; required with botToken.
            webhook_url (None | str | Unset): Slack incoming webhook URL (https://hooks.slack.com/services/...). Give this
                or botToken.
     """

    bot_token: None | str | Unset = UNSET
    channel: None | str | Unset = UNSET
    webhook_url: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        bot_token: None | str | Unset
        if isinstance(self.bot_token, Unset):
            bot_token = UNSET
        else:
            bot_token = self.bot_token

        channel: None | str | Unset
        if isinstance(self.channel, Unset):
            channel = UNSET
        else:
            channel = self.channel

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if bot_token is not UNSET:
            field_dict["botToken"] = bot_token
        if channel is not UNSET:
            field_dict["channel"] = channel
        if webhook_url is not UNSET:
            field_dict["webhookUrl"] = webhook_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_bot_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        bot_token = _parse_bot_token(d.pop("botToken", UNSET))


        def _parse_channel(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        channel = _parse_channel(d.pop("channel", UNSET))


        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhookUrl", UNSET))


        slack_config_patch = cls(
            bot_token=bot_token,
            channel=channel,
            webhook_url=webhook_url,
        )

        return slack_config_patch

