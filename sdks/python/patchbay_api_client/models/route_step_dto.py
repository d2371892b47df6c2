from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_type_slug import IntegrationTypeSlug
from ..models.step_state_dto import StepStateDto
from typing import cast
import datetime






T = TypeVar("T", bound="RouteStepDto")



@_attrs_define
class RouteStepDto:
    """ One member's part in a group send.

        Attributes:
            delivery_id (None | str): Its delivery (`GET /api/deliveries/{id}`), once it was given the message.
            ended_at (datetime.datetime | None): When its part ended (delivered, failed, given up, unused).
            integration_id (str): The member integration (`int_…`).
            note (None | str): Why it was chosen, or passed over for now.
            position (int): The member's place in the group's order (0-based).
            reason (None | str): Why its part ended as it did.
            started_at (datetime.datetime | None): When it was given the message.
            state (StepStateDto): Where one member is in a group send.
            type_ (IntegrationTypeSlug | None):
     """

    delivery_id: None | str
    ended_at: datetime.datetime | None
    integration_id: str
    note: None | str
    position: int
    reason: None | str
    started_at: datetime.datetime | None
    state: StepStateDto
    type_: IntegrationTypeSlug | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        delivery_id: None | str
        delivery_id = self.delivery_id

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        integration_id = self.integration_id

        note: None | str
        note = self.note

        position = self.position

        reason: None | str
        reason = self.reason

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        state = self.state.value

        type_: None | str
        if isinstance(self.type_, IntegrationTypeSlug):
            type_ = self.type_.value
        else:
            type_ = self.type_


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "deliveryId": delivery_id,
            "endedAt": ended_at,
            "integrationId": integration_id,
            "note": note,
            "position": position,
            "reason": reason,
            "startedAt": started_at,
            "state": state,
            "type": type_,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_delivery_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        delivery_id = _parse_delivery_id(d.pop("deliveryId"))


        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)



                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("endedAt"))


        integration_id = d.pop("integrationId")

        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))


        position = d.pop("position")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))


        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("startedAt"))


        state = StepStateDto(d.pop("state"))




        def _parse_type_(data: object) -> IntegrationTypeSlug | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_1 = IntegrationTypeSlug(data)



                return type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(IntegrationTypeSlug | None, data)

        type_ = _parse_type_(d.pop("type"))


        route_step_dto = cls(
            delivery_id=delivery_id,
            ended_at=ended_at,
            integration_id=integration_id,
            note=note,
            position=position,
            reason=reason,
            started_at=started_at,
            state=state,
            type_=type_,
        )


        route_step_dto.additional_properties = d
        return route_step_dto

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
