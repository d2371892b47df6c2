from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..models.integration_status import IntegrationStatus
from ..models.resend_integration_detail_type import ResendIntegrationDetailType
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.health_dto import HealthDto
  from ..models.last_test import LastTest
  from ..models.resend_config_view import ResendConfigView
  from ..models.secret_field import SecretField





T = TypeVar("T", bound="ResendIntegrationDetail")



@_attrs_define
class ResendIntegrationDetail:
    """ An integration with its non-secret configuration. Secret fields are
    absent from `config`; `secrets` names the ones that are set.

        Attributes:
            config (ResendConfigView): The non-secret config of a Resend integration.
            created_at (datetime.datetime): When it was created.
            environment (IntegrationEnvironment): Where the integration is used.
            health (HealthDto): An integration's health: set by credential tests, deliveries and the
                scheduled re-test.
            id (str): `int_…` Example: int_01jf8k2m3n4p5q6r7s8t9v0w1x.
            is_managed (bool): Provisioned by the operator; cannot be changed or deleted through the API.
            last_test (LastTest | None):
            name (str): Its name, for people.
            secrets (list[SecretField]): The secret fields that hold a value, with a masked hint of each.
            status (IntegrationStatus): Whether the integration is in use.
            type_ (ResendIntegrationDetailType):
            updated_at (datetime.datetime): When its name, config, environment or status last changed.
     """

    config: ResendConfigView
    created_at: datetime.datetime
    environment: IntegrationEnvironment
    health: HealthDto
    id: str
    is_managed: bool
    last_test: LastTest | None
    name: str
    secrets: list[SecretField]
    status: IntegrationStatus
    type_: ResendIntegrationDetailType
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.health_dto import HealthDto # noqa: PLC0415
        from ..models.last_test import LastTest # noqa: PLC0415
        from ..models.resend_config_view import ResendConfigView # noqa: PLC0415
        from ..models.secret_field import SecretField # noqa: PLC0415
        config = self.config.to_dict()

        created_at = self.created_at.isoformat()

        environment = self.environment.value

        health = self.health.to_dict()

        id = self.id

        is_managed = self.is_managed

        last_test: dict[str, Any] | None
        if isinstance(self.last_test, LastTest):
            last_test = self.last_test.to_dict()
        else:
            last_test = self.last_test

        name = self.name

        secrets = []
        for secrets_item_data in self.secrets:
            secrets_item = secrets_item_data.to_dict()
            secrets.append(secrets_item)



        status = self.status.value

        type_ = self.type_.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "config": config,
            "createdAt": created_at,
            "environment": environment,
            "health": health,
            "id": id,
            "isManaged": is_managed,
            "lastTest": last_test,
            "name": name,
            "secrets": secrets,
            "status": status,
            "type": type_,
            "updatedAt": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_dto import HealthDto # noqa: PLC0415
        from ..models.last_test import LastTest # noqa: PLC0415
        from ..models.resend_config_view import ResendConfigView # noqa: PLC0415
        from ..models.secret_field import SecretField # noqa: PLC0415
        d = dict(src_dict)
        config = ResendConfigView.from_dict(d.pop("config"))




        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        environment = IntegrationEnvironment(d.pop("environment"))




        health = HealthDto.from_dict(d.pop("health"))




        id = d.pop("id")

        is_managed = d.pop("isManaged")

        def _parse_last_test(data: object) -> LastTest | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_test_type_1 = LastTest.from_dict(data)



                return last_test_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LastTest | None, data)

        last_test = _parse_last_test(d.pop("lastTest"))


        name = d.pop("name")

        secrets = []
        _secrets = d.pop("secrets")
        for secrets_item_data in (_secrets):
            secrets_item = SecretField.from_dict(secrets_item_data)



            secrets.append(secrets_item)


        status = IntegrationStatus(d.pop("status"))




        type_ = ResendIntegrationDetailType(d.pop("type"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        resend_integration_detail = cls(
            config=config,
            created_at=created_at,
            environment=environment,
            health=health,
            id=id,
            is_managed=is_managed,
            last_test=last_test,
            name=name,
            secrets=secrets,
            status=status,
            type_=type_,
            updated_at=updated_at,
        )


        resend_integration_detail.additional_properties = d
        return resend_integration_detail

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
