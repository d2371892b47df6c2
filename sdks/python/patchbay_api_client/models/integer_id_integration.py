from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_status import IntegrationStatus
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.integer_id_data import IntegerIdData
  from ..models.integer_id_integration_type import IntegerIdIntegrationType





T = TypeVar("T", bound="IntegerIdIntegration")



@_attrs_define
class IntegerIdIntegration:
    """ An integration as the integer-id API shows it.

        Example:
            {'created_at': '2026-03-12T20:55:53.111Z', 'data': {'changeKeys': False, 'environment': 'stage'}, 'id': 105,
                'integration': {'category': 'integrations.sendgrid.category', 'created_at': '2025-06-17T15:40:10.419Z',
                'description': 'integrations.sendgrid.description', 'id': 4, 'media': [], 'name': 'Sendgrid', 'slug':
                'sendgrid', 'updated_at': '2025-06-17T15:40:10.419Z'}, 'status': 'active', 'updated_at':
                '2026-03-12T20:55:53.132Z'}

        Attributes:
            created_at (datetime.datetime): When it was created.
            data (IntegerIdData): The applied configuration: `changeKeys` (always `false` in a response),
                `environment`, and the type's non-secret config fields in snake_case.
                Secret fields (such as `api_key`) are never returned. Example: {'changeKeys': False, 'environment': 'stage',
                'from_email': 'notifications@yourcompany.com.br', 'from_name': 'Enspace Notifications'}.
            id (int): The integration's stable integer id. Example: 105.
            integration (IntegerIdIntegrationType): The integration type, as the integer-id API nests it. Example:
                {'category': 'integrations.sendgrid.category', 'created_at': '2025-06-17T15:40:10.419Z', 'description':
                'integrations.sendgrid.description', 'id': 4, 'media': [], 'name': 'Sendgrid', 'slug': 'sendgrid', 'updated_at':
                '2025-06-17T15:40:10.419Z'}.
            status (IntegrationStatus): Whether the integration is in use.
            updated_at (datetime.datetime): When its name, config, environment or status last changed.
     """

    created_at: datetime.datetime
    data: IntegerIdData
    id: int
    integration: IntegerIdIntegrationType
    status: IntegrationStatus
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.integer_id_data import IntegerIdData # noqa: PLC0415
        from ..models.integer_id_integration_type import IntegerIdIntegrationType # noqa: PLC0415
        created_at = self.created_at.isoformat()

        data = self.data.to_dict()

        id = self.id

        integration = self.integration.to_dict()

        status = self.status.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "created_at": created_at,
            "data": data,
            "id": id,
            "integration": integration,
            "status": status,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.integer_id_data import IntegerIdData # noqa: PLC0415
        from ..models.integer_id_integration_type import IntegerIdIntegrationType # noqa: PLC0415
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        data = IntegerIdData.from_dict(d.pop("data"))




        id = d.pop("id")

        integration = IntegerIdIntegrationType.from_dict(d.pop("integration"))




        status = IntegrationStatus(d.pop("status"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        integer_id_integration = cls(
            created_at=created_at,
            data=data,
            id=id,
            integration=integration,
            status=status,
            updated_at=updated_at,
        )


        integer_id_integration.additional_properties = d
        return integer_id_integration

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
