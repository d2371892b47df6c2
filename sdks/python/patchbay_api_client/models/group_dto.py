from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.group_strategy import GroupStrategy
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.failover_dto import FailoverDto





T = TypeVar("T", bound="GroupDto")



@_attrs_define
class GroupDto:
    """ An integration group: integrations sent to as one.

        Attributes:
            created_at (datetime.datetime): When it was created.
            failover (FailoverDto | None):
            id (str): `grp_…`
            integration_ids (list[str]): In failover order.
            name (str): Its name, for people.
            strategy (GroupStrategy): How a group sends one message.
            updated_at (datetime.datetime): When it last changed.
     """

    created_at: datetime.datetime
    failover: FailoverDto | None
    id: str
    integration_ids: list[str]
    name: str
    strategy: GroupStrategy
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.failover_dto import FailoverDto # noqa: PLC0415
        created_at = self.created_at.isoformat()

        failover: dict[str, Any] | None
        if isinstance(self.failover, FailoverDto):
            failover = self.failover.to_dict()
        else:
            failover = self.failover

        id = self.id

        integration_ids = self.integration_ids



        name = self.name

        strategy = self.strategy.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "createdAt": created_at,
            "failover": failover,
            "id": id,
            "integrationIds": integration_ids,
            "name": name,
            "strategy": strategy,
            "updatedAt": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failover_dto import FailoverDto # noqa: PLC0415
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        def _parse_failover(data: object) -> FailoverDto | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                failover_type_1 = FailoverDto.from_dict(data)



                return failover_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FailoverDto | None, data)

        failover = _parse_failover(d.pop("failover"))


        id = d.pop("id")

        integration_ids = cast(list[str], d.pop("integrationIds"))


        name = d.pop("name")

        strategy = GroupStrategy(d.pop("strategy"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        group_dto = cls(
            created_at=created_at,
            failover=failover,
            id=id,
            integration_ids=integration_ids,
            name=name,
            strategy=strategy,
            updated_at=updated_at,
        )


        group_dto.additional_properties = d
        return group_dto

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
