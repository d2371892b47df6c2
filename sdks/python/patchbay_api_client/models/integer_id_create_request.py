from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.integer_id_request_data import IntegerIdRequestData





T = TypeVar("T", bound="IntegerIdCreateRequest")



@_attrs_define
class IntegerIdCreateRequest:
    """ `POST /integrations`.

        Example:
            {'data': {'api_key': 'SG.xxxxxxxxxxxxxxxxxxxx', 'environment': 'stage', 'from_email':
                'notifications@yourcompany.com.br', 'from_name': 'Enspace Notifications'}, 'integration': 4}

        Attributes:
            data (IntegerIdRequestData): `data` of a request: `environment`, `changeKeys`, and the type's config
                fields in snake_case (each type's fields are the `configSchema`
                properties of `GET /api/integration-types/{slug}`, snake_cased). Any
                other member is refused.
            integration (int): The integer id of the type to configure (`GET /api/integration-types`).
     """

    data: IntegerIdRequestData
    integration: int





    def to_dict(self) -> dict[str, Any]:
        from ..models.integer_id_request_data import IntegerIdRequestData # noqa: PLC0415
        data = self.data.to_dict()

        integration = self.integration


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "data": data,
            "integration": integration,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.integer_id_request_data import IntegerIdRequestData # noqa: PLC0415
        d = dict(src_dict)
        data = IntegerIdRequestData.from_dict(d.pop("data"))




        integration = d.pop("integration")

        integer_id_create_request = cls(
            data=data,
            integration=integration,
        )

        return integer_id_create_request

