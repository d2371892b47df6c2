from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.telegram_config_parse_mode import TelegramConfigParseMode
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="TelegramConfig")



@_attrs_define
class TelegramConfig:
    """ 
        Attributes:
            bot_token (str): Bot token from @BotFather (123456789:ABC...).
            chat_id (int | str): Target chat: an integer id (groups are negative) or @channelusername.
            parse_mode (TelegramConfigParseMode | Unset): Message formatting: MarkdownV2 or HTML.
     """

    bot_token: str
    chat_id: int | str
    parse_mode: TelegramConfigParseMode | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        bot_token = self.bot_token

        chat_id: int | str
        chat_id = self.chat_id

        parse_mode: str | Unset = UNSET
        if not isinstance(self.parse_mode, Unset):
            parse_mode = self.parse_mode.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
            "botToken": bot_token,
            "chatId": chat_id,
        })
        if parse_mode is not UNSET:
            field_dict["parseMode"] = parse_mode

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bot_token = d.pop("botToken")

        def _parse_chat_id(data: object) -> int | str:
            return cast(int | str, data)

        chat_id = _parse_chat_id(d.pop("chatId"))


        _parse_mode = d.pop("parseMode", UNSET)
        parse_mode: TelegramConfigParseMode | Unset
        if isinstance(_parse_mode,  Unset):
            parse_mode = UNSET
        else:
            parse_mode = TelegramConfigParseMode(_parse_mode)




        telegram_config = cls(
            bot_token=bot_token,
            chat_id=chat_id,
            parse_mode=parse_mode,
        )

        return telegram_config

