from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.create_ai_gateway_integration_request_type import CreateAiGatewayIntegrationRequestType
from ..models.integration_environment import IntegrationEnvironment
from ..models.integration_status import IntegrationStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.ai_gateway_config import AiGatewayConfig





T = TypeVar("T", bound="CreateAiGatewayIntegrationRequest")



@_attrs_define
class CreateAiGatewayIntegrationRequest:
    """ `POST /api/integrations`.

        Attributes:
            config (AiGatewayConfig):
            name (str): 1 to 200 characters, at least one visible; no control, text-direction
                control, invisible (zero-width space, byte-order mark, ...) or
                noncharacters.
            type_ (CreateAiGatewayIntegrationRequestType):
            environment (IntegrationEnvironment | Unset): Where the integration is used.
            status (IntegrationStatus | Unset): Whether the integration is in use.
     """

    config: AiGatewayConfig
    name: str
    type_: CreateAiGatewayIntegrationRequestType
    environment: IntegrationEnvironment | Unset = UNSET
    status: IntegrationStatus | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.ai_gateway_config import AiGatewayConfig # noqa: PLC0415
        config = self.config.to_dict()

        name = self.name

        type_ = self.type_.value

        environment: str | Unset = UNSET
        if not isinstance(self.environment, Unset):
            environment = self.environment.value


        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
            "config": config,
            "name": name,
            "type": type_,
        })
        if environment is not UNSET:
            field_dict["environment"] = environment
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ai_gateway_config import AiGatewayConfig # noqa: PLC0415
        d = dict(src_dict)
        config = AiGatewayConfig.from_dict(d.pop("config"))




        name = d.pop("name")

        type_ = CreateAiGatewayIntegrationRequestType(d.pop("type"))




        _environment = d.pop("environment", UNSET)
        environment: IntegrationEnvironment | Unset
        if isinstance(_environment,  Unset):
            environment = UNSET
        else:
            environment = IntegrationEnvironment(_environment)




        _status = d.pop("status", UNSET)
        status: IntegrationStatus | Unset
        if isinstance(_status,  Unset):
            status = UNSET
        else:
            status = IntegrationStatus(_status)




        create_ai_gateway_integration_request = cls(
            config=config,
            name=name,
            type_=type_,
            environment=environment,
            status=status,
        )

        return create_ai_gateway_integration_request

