from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.test_verdict import TestVerdict
from typing import cast
import datetime






T = TypeVar("T", bound="LastTest")



@_attrs_define
class LastTest:
    """ The last credential test of a saved integration (tests with
    `configOverrides` are not recorded).

        Attributes:
            latency_ms (int): How long the test took, in milliseconds.
            message (str): What the test saw, worded for a person.
            status (TestVerdict): The verdict of a credential test.
            tested_at (datetime.datetime): When it ran.
     """

    latency_ms: int
    message: str
    status: TestVerdict
    tested_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        latency_ms = self.latency_ms

        message = self.message

        status = self.status.value

        tested_at = self.tested_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "latencyMs": latency_ms,
            "message": message,
            "status": status,
            "testedAt": tested_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        latency_ms = d.pop("latencyMs")

        message = d.pop("message")

        status = TestVerdict(d.pop("status"))




        tested_at = datetime.datetime.fromisoformat(d.pop("testedAt"))




        last_test = cls(
            latency_ms=latency_ms,
            message=message,
            status=status,
            tested_at=tested_at,
        )


        last_test.additional_properties = d
        return last_test

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
