from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..models.test_sendgrid_config_request_type import TestSendgridConfigRequestType
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.sendgrid_config import SendgridConfig





T = TypeVar("T", bound="TestSendgridConfigRequest")



@_attrs_define
class TestSendgridConfigRequest:
    """ `POST /api/integrations/test`: test a config that is not saved.

        Attributes:
            config (SendgridConfig):
            type_ (TestSendgridConfigRequestType):
            environment (IntegrationEnvironment | Unset): Where the integration is used.
     """

    config: SendgridConfig
    type_: TestSendgridConfigRequestType
    environment: IntegrationEnvironment | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.sendgrid_config import SendgridConfig # noqa: PLC0415
        config = self.config.to_dict()

        type_ = self.type_.value

        environment: str | Unset = UNSET
        if not isinstance(self.environment, Unset):
            environment = self.environment.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
            "config": config,
            "type": type_,
        })
        if environment is not UNSET:
            field_dict["environment"] = environment

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sendgrid_config import SendgridConfig # noqa: PLC0415
        d = dict(src_dict)
        config = SendgridConfig.from_dict(d.pop("config"))




        type_ = TestSendgridConfigRequestType(d.pop("type"))




        _environment = d.pop("environment", UNSET)
        environment: IntegrationEnvironment | Unset
        if isinstance(_environment,  Unset):
            environment = UNSET
        else:
            environment = IntegrationEnvironment(_environment)




        test_sendgrid_config_request = cls(
            config=config,
            type_=type_,
            environment=environment,
        )

        return test_sendgrid_config_request

