from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..models.integration_status import IntegrationStatus
from ..models.integration_type_slug import IntegrationTypeSlug
from typing import cast
import datetime






T = TypeVar("T", bound="IntegrationSummary")



@_attrs_define
class IntegrationSummary:
    """ An integration as listed: no configuration.

        Attributes:
            created_at (datetime.datetime):
            environment (IntegrationEnvironment): Where the integration is used.
            id (str):  Example: int_01jf8k2m3n4p5q6r7s8t9v0w1x.
            is_managed (bool): Provisioned by the operator; cannot be changed or deleted through the API.
            name (str):
            status (IntegrationStatus): Whether the integration is in use.
            type_ (IntegrationTypeSlug): An integration type's slug.
            updated_at (datetime.datetime):
     """

    created_at: datetime.datetime
    environment: IntegrationEnvironment
    id: str
    is_managed: bool
    name: str
    status: IntegrationStatus
    type_: IntegrationTypeSlug
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        environment = self.environment.value

        id = self.id

        is_managed = self.is_managed

        name = self.name

        status = self.status.value

        type_ = self.type_.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "createdAt": created_at,
            "environment": environment,
            "id": id,
            "isManaged": is_managed,
            "name": name,
            "status": status,
            "type": type_,
            "updatedAt": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        environment = IntegrationEnvironment(d.pop("environment"))




        id = d.pop("id")

        is_managed = d.pop("isManaged")

        name = d.pop("name")

        status = IntegrationStatus(d.pop("status"))




        type_ = IntegrationTypeSlug(d.pop("type"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        integration_summary = cls(
            created_at=created_at,
            environment=environment,
            id=id,
            is_managed=is_managed,
            name=name,
            status=status,
            type_=type_,
            updated_at=updated_at,
        )


        integration_summary.additional_properties = d
        return integration_summary

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
