from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.telegram_config_view_parse_mode import TelegramConfigViewParseMode
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="TelegramConfigView")



@_attrs_define
class TelegramConfigView:
    """ The non-secret config of a Telegram integration.

        Attributes:
            chat_id (int | str): Target chat: an integer id (groups are negative) or @channelusername.
            parse_mode (TelegramConfigViewParseMode | Unset): Message formatting: MarkdownV2 or HTML.
     """

    chat_id: int | str
    parse_mode: TelegramConfigViewParseMode | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        chat_id: int | str
        chat_id = self.chat_id

        parse_mode: str | Unset = UNSET
        if not isinstance(self.parse_mode, Unset):
            parse_mode = self.parse_mode.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
            "chatId": chat_id,
        })
        if parse_mode is not UNSET:
            field_dict["parseMode"] = parse_mode

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_chat_id(data: object) -> int | str:
            return cast(int | str, data)

        chat_id = _parse_chat_id(d.pop("chatId"))


        _parse_mode = d.pop("parseMode", UNSET)
        parse_mode: TelegramConfigViewParseMode | Unset
        if isinstance(_parse_mode,  Unset):
            parse_mode = UNSET
        else:
            parse_mode = TelegramConfigViewParseMode(_parse_mode)




        telegram_config_view = cls(
            chat_id=chat_id,
            parse_mode=parse_mode,
        )

        return telegram_config_view

