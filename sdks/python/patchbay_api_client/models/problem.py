from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.problem_field_error import ProblemFieldError





T = TypeVar("T", bound="Problem")



@_attrs_define
class Problem:
    """ An RFC 9457 problem details object.

        Example:
            {'detail': 'The request has 1 invalid field.', 'errors': [{'field': 'config.webhookUrl', 'message': 'is
                required'}], 'requestId': '4bf92f3577b34da6a3ce929d0e0e4736', 'status': 422, 'title': 'Validation failed',
                'type': '/problems/validation'}

        Attributes:
            detail (str): What went wrong in this occurrence, for humans.
            status (int): The HTTP status code.
            title (str): A short summary of the kind of problem; the same for every occurrence.
            type_ (str): A stable identifier of the kind of problem (a URI reference); clients
                switch on this rather than on `title` or `detail`.
            errors (list[ProblemFieldError] | Unset): Every invalid field, with its path (`config.webhookUrl`,
                `clearedConfigKeys[0]`); present on validation problems only.
            request_id (str | Unset): The request's id, as in its `X-Request-Id` response header (the
                client's own when it sent a usable one): quote it when reporting a
                problem. Present on every problem this service answers.
     """

    detail: str
    status: int
    title: str
    type_: str
    errors: list[ProblemFieldError] | Unset = UNSET
    request_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.problem_field_error import ProblemFieldError # noqa: PLC0415
        detail = self.detail

        status = self.status

        title = self.title

        type_ = self.type_

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)



        request_id = self.request_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "detail": detail,
            "status": status,
            "title": title,
            "type": type_,
        })
        if errors is not UNSET:
            field_dict["errors"] = errors
        if request_id is not UNSET:
            field_dict["requestId"] = request_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.problem_field_error import ProblemFieldError # noqa: PLC0415
        d = dict(src_dict)
        detail = d.pop("detail")

        status = d.pop("status")

        title = d.pop("title")

        type_ = d.pop("type")

        _errors = d.pop("errors", UNSET)
        errors: list[ProblemFieldError] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = ProblemFieldError.from_dict(errors_item_data)



                errors.append(errors_item)


        request_id = d.pop("requestId", UNSET)

        problem = cls(
            detail=detail,
            status=status,
            title=title,
            type_=type_,
            errors=errors,
            request_id=request_id,
        )


        problem.additional_properties = d
        return problem

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
