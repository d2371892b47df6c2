from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="SlackConfigWithBotToken")



@_attrs_define
class SlackConfigWithBotToken:
    """ 
        Attributes:
            bot_token (str): Slack bot (xoxb-) or user (xoxp-) token. Give this or webhookUrl.
            channel (str): Channel id (C0123456789) or #name; required with botToken.
     """

    bot_token: str
    channel: str





    def to_dict(self) -> dict[str, Any]:
        bot_token = self.bot_token

        channel = self.channel


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "botToken": bot_token,
            "channel": channel,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bot_token = d.pop("botToken")

        channel = d.pop("channel")

        slack_config_with_bot_token = cls(
            bot_token=bot_token,
            channel=channel,
        )

        return slack_config_with_bot_token

