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





T = TypeVar("T", bound="CreateGroupRequest")



@_attrs_define
class CreateGroupRequest:
    """ A group to create.

        Attributes:
            integration_ids (list[str]): 1-10 distinct integrations of the organization that can send; the
                order is the failover order.
            name (str): Its name, for people (names need not be unique).
            strategy (GroupStrategy): How a group sends one message.
            failover (FailoverRequest | Unset): When a failover group moves on from a member that has not delivered (a
                permanent failure moves on at once). Only for `failover`; a member left
                out keeps its value (default 2 attempts, 30 s).
     """

    integration_ids: list[str]
    name: str
    strategy: GroupStrategy
    failover: FailoverRequest | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.failover_request import FailoverRequest # noqa: PLC0415
        integration_ids = self.integration_ids



        name = self.name

        strategy = self.strategy.value

        failover: dict[str, Any] | Unset = UNSET
        if not isinstance(self.failover, Unset):
            failover = self.failover.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "integrationIds": integration_ids,
            "name": name,
            "strategy": strategy,
        })
        if failover is not UNSET:
            field_dict["failover"] = failover

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.failover_request import FailoverRequest # noqa: PLC0415
        d = dict(src_dict)
        integration_ids = cast(list[str], d.pop("integrationIds"))


        name = d.pop("name")

        strategy = GroupStrategy(d.pop("strategy"))




        _failover = d.pop("failover", UNSET)
        failover: FailoverRequest | Unset
        if isinstance(_failover,  Unset):
            failover = UNSET
        else:
            failover = FailoverRequest.from_dict(_failover)




        create_group_request = cls(
            integration_ids=integration_ids,
            name=name,
            strategy=strategy,
            failover=failover,
        )

        return create_group_request

