from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_status import IntegrationStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.integer_id_request_data import IntegerIdRequestData





T = TypeVar("T", bound="IntegerIdUpdateRequest")



@_attrs_define
class IntegerIdUpdateRequest:
    """ `PUT /integrations/{id}`: every member optional.

        Example:
            {'data': {'api_key': 'SG.yyyyyyyyyyyyyyyyyyyy', 'changeKeys': True, 'from_name': 'Ops'}, 'integration': 4}

        Attributes:
            data (IntegerIdRequestData | Unset): `data` of a request: `environment`, `changeKeys`, and the type's config
                fields in snake_case (each type's fields are the `configSchema`
                properties of `GET /api/integration-types/{slug}`, snake_cased). Any
                other member is refused.
            integration (int | Unset): When given, must be the integration's type: a type never changes.
            status (IntegrationStatus | Unset): Whether the integration is in use.
     """

    data: IntegerIdRequestData | Unset = UNSET
    integration: int | Unset = UNSET
    status: IntegrationStatus | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.integer_id_request_data import IntegerIdRequestData # noqa: PLC0415
        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        integration = self.integration

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if data is not UNSET:
            field_dict["data"] = data
        if integration is not UNSET:
            field_dict["integration"] = integration
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.integer_id_request_data import IntegerIdRequestData # noqa: PLC0415
        d = dict(src_dict)
        _data = d.pop("data", UNSET)
        data: IntegerIdRequestData | Unset
        if isinstance(_data,  Unset):
            data = UNSET
        else:
            data = IntegerIdRequestData.from_dict(_data)




        integration = d.pop("integration", UNSET)

        _status = d.pop("status", UNSET)
        status: IntegrationStatus | Unset
        if isinstance(_status,  Unset):
            status = UNSET
        else:
            status = IntegrationStatus(_status)




        integer_id_update_request = cls(
            data=data,
            integration=integration,
            status=status,
        )

        return integer_id_update_request

