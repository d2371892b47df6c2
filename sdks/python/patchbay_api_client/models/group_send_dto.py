from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.group_send_status_dto import GroupSendStatusDto
from ..models.group_strategy import GroupStrategy
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.group_delivery_dto import GroupDeliveryDto
  from ..models.route_step_dto import RouteStepDto
  from ..models.step_counts_dto import StepCountsDto





T = TypeVar("T", bound="GroupSendDto")



@_attrs_define
class GroupSendDto:
    """ One message sent to a group, and the route it took.

        Attributes:
            completed_at (datetime.datetime | None): When the send became final; `null` while it is `sending`.
            counts (StepCountsDto): How many members are where.
            created_at (datetime.datetime): When the message was accepted.
            deliveries (list[GroupDeliveryDto]): The members' deliveries so far, in the order they were made.
            group_id (str): The group it was sent to (`grp_…`; the group may since be deleted).
            id (str): `snd_…`
            route (list[RouteStepDto]): Every member: tried ones in the order they were tried, then the
                others in the group's order.
            status (GroupSendStatusDto): Where a group send is.
            strategy (GroupStrategy): How a group sends one message.
            updated_at (datetime.datetime): When the send or its route last changed.
     """

    completed_at: datetime.datetime | None
    counts: StepCountsDto
    created_at: datetime.datetime
    deliveries: list[GroupDeliveryDto]
    group_id: str
    id: str
    route: list[RouteStepDto]
    status: GroupSendStatusDto
    strategy: GroupStrategy
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.group_delivery_dto import GroupDeliveryDto # noqa: PLC0415
        from ..models.route_step_dto import RouteStepDto # noqa: PLC0415
        from ..models.step_counts_dto import StepCountsDto # noqa: PLC0415
        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        counts = self.counts.to_dict()

        created_at = self.created_at.isoformat()

        deliveries = []
        for deliveries_item_data in self.deliveries:
            deliveries_item = deliveries_item_data.to_dict()
            deliveries.append(deliveries_item)



        group_id = self.group_id

        id = self.id

        route = []
        for route_item_data in self.route:
            route_item = route_item_data.to_dict()
            route.append(route_item)



        status = self.status.value

        strategy = self.strategy.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "completedAt": completed_at,
            "counts": counts,
            "createdAt": created_at,
            "deliveries": deliveries,
            "groupId": group_id,
            "id": id,
            "route": route,
            "status": status,
            "strategy": strategy,
            "updatedAt": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_delivery_dto import GroupDeliveryDto # noqa: PLC0415
        from ..models.route_step_dto import RouteStepDto # noqa: PLC0415
        from ..models.step_counts_dto import StepCountsDto # noqa: PLC0415
        d = dict(src_dict)
        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)



                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completedAt"))


        counts = StepCountsDto.from_dict(d.pop("counts"))




        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        deliveries = []
        _deliveries = d.pop("deliveries")
        for deliveries_item_data in (_deliveries):
            deliveries_item = GroupDeliveryDto.from_dict(deliveries_item_data)



            deliveries.append(deliveries_item)


        group_id = d.pop("groupId")

        id = d.pop("id")

        route = []
        _route = d.pop("route")
        for route_item_data in (_route):
            route_item = RouteStepDto.from_dict(route_item_data)



            route.append(route_item)


        status = GroupSendStatusDto(d.pop("status"))




        strategy = GroupStrategy(d.pop("strategy"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        group_send_dto = cls(
            completed_at=completed_at,
            counts=counts,
            created_at=created_at,
            deliveries=deliveries,
            group_id=group_id,
            id=id,
            route=route,
            status=status,
            strategy=strategy,
            updated_at=updated_at,
        )


        group_send_dto.additional_properties = d
        return group_send_dto

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
