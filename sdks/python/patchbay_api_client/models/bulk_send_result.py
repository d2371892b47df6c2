from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.delivery_dto import DeliveryDto
  from ..models.group_send_dto import GroupSendDto
  from ..models.problem import Problem





T = TypeVar("T", bound="BulkSendResult")



@_attrs_define
class BulkSendResult:
    """ One item's answer: `status` 202 with its `delivery` or `groupSend`, or
    the status its single send would have answered, with the `problem`.

        Attributes:
            index (int): The item's place in the request, from 0.
            status (int): 202 when accepted; otherwise the problem's status.
            delivery (DeliveryDto | Unset): A delivery: one message queued for one integration.
            group_send (GroupSendDto | Unset): One message sent to a group, and the route it took.
            problem (Problem | Unset): An RFC 9457 problem details object. Example: {'detail': 'The request has 1 invalid
                field.', 'errors': [{'field': 'config.webhookUrl', 'message': 'is required'}], 'requestId':
                '4bf92f3577b34da6a3ce929d0e0e4736', 'status': 422, 'title': 'Validation failed', 'type':
                '/problems/validation'}.
            replayed (bool | Unset): The item's key matched an earlier request: nothing new was created.
     """

    index: int
    status: int
    delivery: DeliveryDto | Unset = UNSET
    group_send: GroupSendDto | Unset = UNSET
    problem: Problem | Unset = UNSET
    replayed: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.delivery_dto import DeliveryDto # noqa: PLC0415
        from ..models.group_send_dto import GroupSendDto # noqa: PLC0415
        from ..models.problem import Problem # noqa: PLC0415
        index = self.index

        status = self.status

        delivery: dict[str, Any] | Unset = UNSET
        if not isinstance(self.delivery, Unset):
            delivery = self.delivery.to_dict()

        group_send: dict[str, Any] | Unset = UNSET
        if not isinstance(self.group_send, Unset):
            group_send = self.group_send.to_dict()

        problem: dict[str, Any] | Unset = UNSET
        if not isinstance(self.problem, Unset):
            problem = self.problem.to_dict()

        replayed = self.replayed


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "index": index,
            "status": status,
        })
        if delivery is not UNSET:
            field_dict["delivery"] = delivery
        if group_send is not UNSET:
            field_dict["groupSend"] = group_send
        if problem is not UNSET:
            field_dict["problem"] = problem
        if replayed is not UNSET:
            field_dict["replayed"] = replayed

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.delivery_dto import DeliveryDto # noqa: PLC0415
        from ..models.group_send_dto import GroupSendDto # noqa: PLC0415
        from ..models.problem import Problem # noqa: PLC0415
        d = dict(src_dict)
        index = d.pop("index")

        status = d.pop("status")

        _delivery = d.pop("delivery", UNSET)
        delivery: DeliveryDto | Unset
        if isinstance(_delivery,  Unset):
            delivery = UNSET
        else:
            delivery = DeliveryDto.from_dict(_delivery)




        _group_send = d.pop("groupSend", UNSET)
        group_send: GroupSendDto | Unset
        if isinstance(_group_send,  Unset):
            group_send = UNSET
        else:
            group_send = GroupSendDto.from_dict(_group_send)




        _problem = d.pop("problem", UNSET)
        problem: Problem | Unset
        if isinstance(_problem,  Unset):
            problem = UNSET
        else:
            problem = Problem.from_dict(_problem)




        replayed = d.pop("replayed", UNSET)

        bulk_send_result = cls(
            index=index,
            status=status,
            delivery=delivery,
            group_send=group_send,
            problem=problem,
            replayed=replayed,
        )


        bulk_send_result.additional_properties = d
        return bulk_send_result

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
