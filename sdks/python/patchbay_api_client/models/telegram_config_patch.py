from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.telegram_config_patch_parse_mode import TelegramConfigPatchParseMode
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="TelegramConfigPatch")



@_attrs_define
class TelegramConfigPatch:
    """ Changes to a Telegram integration's config: a key left out keeps its stored value, `null` removes it.

        Attributes:
            bot_token (None | str | Unset): Bot token from @BotFather (123456789:ABC...).
            chat_id (int | None | str | Unset): Target chat: an integer id (groups are negative) or @channelusername.
            parse_mode (TelegramConfigPatchParseMode | Unset): Message formatting: MarkdownV2 or HTML.
     """

    bot_token: None | str | Unset = UNSET
    chat_id: int | None | str | Unset = UNSET
    parse_mode: TelegramConfigPatchParseMode | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        bot_token: None | str | Unset
        if isinstance(self.bot_token, Unset):
            bot_token = UNSET
        else:
            bot_token = self.bot_token

        chat_id: int | None | str | Unset
        if isinstance(self.chat_id, Unset):
            chat_id = UNSET
        else:
            chat_id = self.chat_id

        parse_mode: str | Unset = UNSET
        if not isinstance(self.parse_mode, Unset):
            parse_mode = self.parse_mode.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if bot_token is not UNSET:
            field_dict["botToken"] = bot_token
        if chat_id is not UNSET:
            field_dict["chatId"] = chat_id
        if parse_mode is not UNSET:
            field_dict["parseMode"] = parse_mode

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


        def _parse_chat_id(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        chat_id = _parse_chat_id(d.pop("chatId", UNSET))


        _parse_mode = d.pop("parseMode", UNSET)
        parse_mode: TelegramConfigPatchParseMode | Unset
        if isinstance(_parse_mode,  Unset):
            parse_mode = UNSET
        else:
            parse_mode = TelegramConfigPatchParseMode(_parse_mode)




        telegram_config_patch = cls(
            bot_token=bot_token,
            chat_id=chat_id,
            parse_mode=parse_mode,
        )

        return telegram_config_patch

