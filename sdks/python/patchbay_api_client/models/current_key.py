from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.api_scope import ApiScope
from typing import cast

if TYPE_CHECKING:
  from ..models.organization_ref import OrganizationRef





T = TypeVar("T", bound="CurrentKey")



@_attrs_define
class CurrentKey:
    """ The API key a request presented (never the key itself), or the caller
    a service embedding Patchbay authenticated itself.

        Attributes:
            actor (str): Who the audit trail records for this caller's changes: the key's id,
                or `host:<subject>`.
            key_id (None | str): The key's id (`key_…`); `null` for a caller the embedding service
                authenticated (see `actor`). Example: key_01jf8k2m3n4p5q6r7s8t9v0w1x.
            organization (OrganizationRef): An organization, by id and name.
            scopes (list[ApiScope]): The scopes granted to the key, as created; `admin` implies the others.
     """

    actor: str
    key_id: None | str
    organization: OrganizationRef
    scopes: list[ApiScope]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.organization_ref import OrganizationRef # noqa: PLC0415
        actor = self.actor

        key_id: None | str
        key_id = self.key_id

        organization = self.organization.to_dict()

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "actor": actor,
            "keyId": key_id,
            "organization": organization,
            "scopes": scopes,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.organization_ref import OrganizationRef # noqa: PLC0415
        d = dict(src_dict)
        actor = d.pop("actor")

        def _parse_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key_id = _parse_key_id(d.pop("keyId"))


        organization = OrganizationRef.from_dict(d.pop("organization"))




        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in (_scopes):
            scopes_item = ApiScope(scopes_item_data)



            scopes.append(scopes_item)


        current_key = cls(
            actor=actor,
            key_id=key_id,
            organization=organization,
            scopes=scopes,
        )


        current_key.additional_properties = d
        return current_key

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
