from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="ResendConfigView")



@_attrs_define
class ResendConfigView:
    """ The non-secret config of a Resend integration.

        Attributes:
            from_ (str): Sender: addr@domain or Name <addr@domain>, on a domain verified in Resend.
     """

    from_: str





    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "from": from_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = d.pop("from")

        resend_config_view = cls(
            from_=from_,
        )

        return resend_config_view

