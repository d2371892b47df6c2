from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.group_strategy import GroupStrategy
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.failover_request import FailoverRequest





T = TypeVar("T", bound="UpdateGroupRequest")



@_attrs_define
class UpdateGroupRequest:
    """ Every member is optional; what is left out stays.

        Attributes:
            failover (FailoverRequest | Unset): When a failover group moves on from a member that has not delivered (a
                permanent failure moves on at once). Only for `failover`; a member left
                out keeps its value (default 2 attempts, 30 s).
            integration_ids (list[str] | Unset): The new members, in failover order; they replace the old list.
            name (str | Unset): A new name.
            strategy (GroupStrategy | Unset): How a group sends one message.
     """

    failover: FailoverRequest | Unset = UNSET
    integration_ids: list[str] | Unset = UNSET
    name: str | Unset = UNSET
    strategy: GroupStrategy | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.failover_request import FailoverRequest # noqa: PLC0415
        failover: dict[str, Any] | Unset = UNSET
        if not isinstance(self.failover, Unset):
            failover = self.failover.to_dict()

        integration_ids: list[str] | Unset = UNSET
        if not isinstance(self.integration_ids, Unset):
            integration_ids = self.integration_ids



        name = self.name

        strategy: str | Unset = UNSET
        if not isinstance(self.strategy, Unset):
            strategy = self.strategy.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if failover is not UNSET:
            field_dict["failover"] = failover
        if integration_ids is not UNSET:
            field_dict["integrationIds"] = integration_ids
        if name is not UNSET:
            field_dict["name"] = name
        if strategy is not UNSET:
            field_dict["strategy"] = strategy

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failover_request import FailoverRequest # noqa: PLC0415
        d = dict(src_dict)
        _failover = d.pop("failover", UNSET)
        failover: FailoverRequest | Unset
        if isinstance(_failover,  Unset):
            failover = UNSET
        else:
            failover = FailoverRequest.from_dict(_failover)




        integration_ids = cast(list[str], d.pop("integrationIds", UNSET))


        name = d.pop("name", UNSET)

        _strategy = d.pop("strategy", UNSET)
        strategy: GroupStrategy | Unset
        if isinstance(_strategy,  Unset):
            strategy = UNSET
        else:
            strategy = GroupStrategy(_strategy)




        update_group_request = cls(
            failover=failover,
            integration_ids=integration_ids,
            name=name,
            strategy=strategy,
        )

        return update_group_request

