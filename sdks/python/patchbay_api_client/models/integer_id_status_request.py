from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_status import IntegrationStatus






T = TypeVar("T", bound="IntegerIdStatusRequest")



@_attrs_define
class IntegerIdStatusRequest:
    """ `PATCH /integrations/{id}/status`.

        Example:
            {'status': 'inactive'}

        Attributes:
            status (IntegrationStatus): Whether the integration is in use.
     """

    status: IntegrationStatus





    def to_dict(self) -> dict[str, Any]:
        status = self.status.value


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "status": status,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = IntegrationStatus(d.pop("status"))




        integer_id_status_request = cls(
            status=status,
        )

        return integer_id_status_request

