from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="StepCountsDto")



@_attrs_define
class StepCountsDto:
    """ How many members are where.

        Attributes:
            delivered (int): Members whose delivery delivered.
            failed (int): Members that failed (tried, given up or unusable).
            pending (int): Waiting or sending.
            unused (int): Failover: members not needed.
     """

    delivered: int
    failed: int
    pending: int
    unused: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        delivered = self.delivered

        failed = self.failed

        pending = self.pending

        unused = self.unused


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "delivered": delivered,
            "failed": failed,
            "pending": pending,
            "unused": unused,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delivered = d.pop("delivered")

        failed = d.pop("failed")

        pending = d.pop("pending")

        unused = d.pop("unused")

        step_counts_dto = cls(
            delivered=delivered,
            failed=failed,
            pending=pending,
            unused=unused,
        )


        step_counts_dto.additional_properties = d
        return step_counts_dto

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
