from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="FailoverRequest")



@_attrs_define
class FailoverRequest:
    """ When a failover group moves on from a member that has not delivered (a
    permanent failure moves on at once). Only for `failover`; a member left
    out keeps its value (default 2 attempts, 30 s).

        Attributes:
            after_secs (int | Unset): Seconds from handing the message to a member before moving on, 1-3600.
            attempts (int | Unset): Attempts through one member before moving on, 1-10.
     """

    after_secs: int | Unset = UNSET
    attempts: int | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        after_secs = self.after_secs

        attempts = self.attempts


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if after_secs is not UNSET:
            field_dict["afterSecs"] = after_secs
        if attempts is not UNSET:
            field_dict["attempts"] = attempts

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        after_secs = d.pop("afterSecs", UNSET)

        attempts = d.pop("attempts", UNSET)

        failover_request = cls(
            after_secs=after_secs,
            attempts=attempts,
        )

        return failover_request

