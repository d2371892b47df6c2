from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.audit_action_name import AuditActionName
from typing import cast
import datetime






T = TypeVar("T", bound="AuditEventView")



@_attrs_define
class AuditEventView:
    """ One audit event. It names what changed, never a value.

        Example:
            {'action': 'integration.updated', 'actor': 'key_01jf8k2m3n4p5q6r7s8t9v0w1x', 'changedFields': ['config.apiKey',
                'name'], 'createdAt': '2026-01-01T12:00:00.000Z', 'detail': None, 'id': 42, 'integrationId':
                'int_01jf8k2m3n4p5q6r7s8t9v0w1x'}

        Attributes:
            action (AuditActionName): What happened.
            actor (str): The API key id (`key_…`) that made the change, `provisioning` for
                operator provisioning, or `operator` for an operator command.
            changed_fields (list[str]): What changed, by name: `name`, `environment`, `status`,
                `config.<field>`. For a creation, the config fields set.
            created_at (datetime.datetime): When it happened.
            detail (None | str): A value-free note: a test's verdict (`success`, `error`), a
                provisioning run's counts.
            id (int): Increases with every event; the cursor of the next page.
            integration_id (None | str): The integration concerned (it may have been deleted since); `null`
                for a provisioning run.
     """

    action: AuditActionName
    actor: str
    changed_fields: list[str]
    created_at: datetime.datetime
    detail: None | str
    id: int
    integration_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        actor = self.actor

        changed_fields = self.changed_fields



        created_at = self.created_at.isoformat()

        detail: None | str
        detail = self.detail

        id = self.id

        integration_id: None | str
        integration_id = self.integration_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "action": action,
            "actor": actor,
            "changedFields": changed_fields,
            "createdAt": created_at,
            "detail": detail,
            "id": id,
            "integrationId": integration_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = AuditActionName(d.pop("action"))




        actor = d.pop("actor")

        changed_fields = cast(list[str], d.pop("changedFields"))


        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))


        id = d.pop("id")

        def _parse_integration_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        integration_id = _parse_integration_id(d.pop("integrationId"))


        audit_event_view = cls(
            action=action,
            actor=actor,
            changed_fields=changed_fields,
            created_at=created_at,
            detail=detail,
            id=id,
            integration_id=integration_id,
        )


        audit_event_view.additional_properties = d
        return audit_event_view

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
