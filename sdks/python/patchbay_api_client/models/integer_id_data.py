from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment






T = TypeVar("T", bound="IntegerIdData")



@_attrs_define
class IntegerIdData:
    """ The applied configuration: `changeKeys` (always `false` in a response),
    `environment`, and the type's non-secret config fields in snake_case.
    Secret fields (such as `api_key`) are never returned.

        Example:
            {'changeKeys': False, 'environment': 'stage', 'from_email': 'notifications@yourcompany.com.br', 'from_name':
                'Enspace Notifications'}

        Attributes:
            change_keys (bool): Always `false` in a response: a request's `changeKeys` is not kept.
            environment (IntegrationEnvironment): Where the integration is used.
     """

    change_keys: bool
    environment: IntegrationEnvironment
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        change_keys = self.change_keys

        environment = self.environment.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "changeKeys": change_keys,
            "environment": environment,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        change_keys = d.pop("changeKeys")

        environment = IntegrationEnvironment(d.pop("environment"))




        integer_id_data = cls(
            change_keys=change_keys,
            environment=environment,
        )


        integer_id_data.additional_properties = d
        return integer_id_data

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
