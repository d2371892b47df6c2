from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ResendConfig")



@_attrs_define
class ResendConfig:
    """ 
        Attributes:
            api_key (str): Resend API key (re_…); a sending-only key is accepted.
            from_ (str): Sender: addr@domain or Name <addr@domain>, on a domain verified in Resend.
     """

    api_key: str
    from_: str





    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        from_ = self.from_


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "apiKey": api_key,
            "from": from_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        api_key = d.pop("apiKey")

        from_ = d.pop("from")

        resend_config = cls(
            api_key=api_key,
            from_=from_,
        )

        return resend_config

