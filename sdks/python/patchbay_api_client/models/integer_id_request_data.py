from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..types import UNSET, Unset






T = TypeVar("T", bound="IntegerIdRequestData")



@_attrs_define
class IntegerIdRequestData:
    """ `data` of a request: `environment`, `changeKeys`, and the type's config
    fields in snake_case (each type's fields are the `configSchema`
    properties of `GET /api/integration-types/{slug}`, snake_cased). Any
    other member is refused.

        Attributes:
            change_keys (bool | Unset): On update: `true` replaces the stored secrets with the ones sent
                (secret fields are refused without it). Ignored on create.
            environment (IntegrationEnvironment | Unset): Where the integration is used.
     """

    change_keys: bool | Unset = UNSET
    environment: IntegrationEnvironment | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        change_keys = self.change_keys

        environment: str | Unset = UNSET
        if not isinstance(self.environment, Unset):
            environment = self.environment.value



        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if change_keys is not UNSET:
            field_dict["changeKeys"] = change_keys
        if environment is not UNSET:
            field_dict["environment"] = environment

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        change_keys = d.pop("changeKeys", UNSET)

        _environment = d.pop("environment", UNSET)
        environment: IntegrationEnvironment | Unset
        if isinstance(_environment,  Unset):
            environment = UNSET
        else:
            environment = IntegrationEnvironment(_environment)




        integer_id_request_data = cls(
            change_keys=change_keys,
            environment=environment,
        )


        integer_id_request_data.additional_properties = d
        return integer_id_request_data

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
