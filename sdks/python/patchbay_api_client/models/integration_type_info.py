from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_category import IntegrationCategory
from ..models.integration_type_slug import IntegrationTypeSlug
from typing import cast

if TYPE_CHECKING:
  from ..models.integration_type_info_config_schema import IntegrationTypeInfoConfigSchema
  from ..models.type_capabilities import TypeCapabilities





T = TypeVar("T", bound="IntegrationTypeInfo")



@_attrs_define
class IntegrationTypeInfo:
    """ A catalogue entry.

        Attributes:
            capabilities (TypeCapabilities): What a type can do.
            category (IntegrationCategory): A catalogue category.
            config_schema (IntegrationTypeInfoConfigSchema): JSON Schema (draft 2020-12) of the type's `config`. Secret
                fields are
                `writeOnly` with `x-secret: true`.
            description (str): One line on what it is for.
            id (int): Stable integer id. Example: 4.
            media (list[str]): Media (logos, screenshots) for a UI; may be empty.
            name (str): Its name, for people.
            slug (IntegrationTypeSlug): An integration type's slug.
     """

    capabilities: TypeCapabilities
    category: IntegrationCategory
    config_schema: IntegrationTypeInfoConfigSchema
    description: str
    id: int
    media: list[str]
    name: str
    slug: IntegrationTypeSlug
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.integration_type_info_config_schema import IntegrationTypeInfoConfigSchema # noqa: PLC0415
        from ..models.type_capabilities import TypeCapabilities # noqa: PLC0415
        capabilities = self.capabilities.to_dict()

        category = self.category.value

        config_schema = self.config_schema.to_dict()

        description = self.description

        id = self.id

        media = self.media



        name = self.name

        slug = self.slug.value


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "capabilities": capabilities,
            "category": category,
            "configSchema": config_schema,
            "description": description,
            "id": id,
            "media": media,
            "name": name,
            "slug": slug,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.integration_type_info_config_schema import IntegrationTypeInfoConfigSchema # noqa: PLC0415
        from ..models.type_capabilities import TypeCapabilities # noqa: PLC0415
        d = dict(src_dict)
        capabilities = TypeCapabilities.from_dict(d.pop("capabilities"))




        category = IntegrationCategory(d.pop("category"))




        config_schema = IntegrationTypeInfoConfigSchema.from_dict(d.pop("configSchema"))




        description = d.pop("description")

        id = d.pop("id")

        media = cast(list[str], d.pop("media"))


        name = d.pop("name")

        slug = IntegrationTypeSlug(d.pop("slug"))




        integration_type_info = cls(
            capabilities=capabilities,
            category=category,
            config_schema=config_schema,
            description=description,
            id=id,
            media=media,
            name=name,
            slug=slug,
        )


        integration_type_info.additional_properties = d
        return integration_type_info

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
