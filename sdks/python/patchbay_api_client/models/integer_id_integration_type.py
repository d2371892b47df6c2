from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_type_slug import IntegrationTypeSlug
from typing import cast
import datetime






T = TypeVar("T", bound="IntegerIdIntegrationType")



@_attrs_define
class IntegerIdIntegrationType:
    """ The integration type, as the integer-id API nests it.

        Example:
            {'category': 'integrations.sendgrid.category', 'created_at': '2025-06-17T15:40:10.419Z', 'description':
                'integrations.sendgrid.description', 'id': 4, 'media': [], 'name': 'Sendgrid', 'slug': 'sendgrid', 'updated_at':
                '2025-06-17T15:40:10.419Z'}

        Attributes:
            category (str): A translation key: `integrations.<slug>.category`.
            created_at (datetime.datetime): Fixed: the catalogue is compiled in.
            description (str): A translation key: `integrations.<slug>.description`.
            id (int): The type's stable integer id (as `integration` in requests).
            media (list[str]): Logos and screenshots for a UI; may be empty.
            name (str): The type's name, for people.
            slug (IntegrationTypeSlug): An integration type's slug.
            updated_at (datetime.datetime): Fixed: the catalogue is compiled in.
     """

    category: str
    created_at: datetime.datetime
    description: str
    id: int
    media: list[str]
    name: str
    slug: IntegrationTypeSlug
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        category = self.category

        created_at = self.created_at.isoformat()

        description = self.description

        id = self.id

        media = self.media



        name = self.name

        slug = self.slug.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "category": category,
            "created_at": created_at,
            "description": description,
            "id": id,
            "media": media,
            "name": name,
            "slug": slug,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        category = d.pop("category")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        description = d.pop("description")

        id = d.pop("id")

        media = cast(list[str], d.pop("media"))


        name = d.pop("name")

        slug = IntegrationTypeSlug(d.pop("slug"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        integer_id_integration_type = cls(
            category=category,
            created_at=created_at,
            description=description,
            id=id,
            media=media,
            name=name,
            slug=slug,
            updated_at=updated_at,
        )


        integer_id_integration_type.additional_properties = d
        return integer_id_integration_type

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
