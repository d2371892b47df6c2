from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..models.test_slack_config_request_type import TestSlackConfigRequestType
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.slack_config_with_bot_token import SlackConfigWithBotToken
  from ..models.slack_config_with_webhook_url import SlackConfigWithWebhookUrl





T = TypeVar("T", bound="TestSlackConfigRequest")



@_attrs_define
class TestSlackConfigRequest:
    """ `POST /api/integrations/test`: test a config that is not saved.

        Attributes:
            config (SlackConfigWithBotToken | SlackConfigWithWebhookUrl): The config of a Slack integration: one of these.
            type_ (TestSlackConfigRequestType):
            environment (IntegrationEnvironment | Unset): Where the integration is used.
     """

    config: SlackConfigWithBotToken | SlackConfigWithWebhookUrl
    type_: TestSlackConfigRequestType
    environment: IntegrationEnvironment | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.slack_config_with_bot_token import SlackConfigWithBotToken # noqa: PLC0415
        from ..models.slack_config_with_webhook_url import SlackConfigWithWebhookUrl # noqa: PLC0415
        config: dict[str, Any]
        if isinstance(self.config, SlackConfigWithWebhookUrl):
            config = self.config.to_dict()
        else:
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
        from ..models.slack_config_with_bot_token import SlackConfigWithBotToken # noqa: PLC0415
        from ..models.slack_config_with_webhook_url import SlackConfigWithWebhookUrl # noqa: PLC0415
        d = dict(src_dict)
        def _parse_config(data: object) -> SlackConfigWithBotToken | SlackConfigWithWebhookUrl:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_slack_config_type_0 = SlackConfigWithWebhookUrl.from_dict(data)



                return componentsschemas_slack_config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_slack_config_type_1 = SlackConfigWithBotToken.from_dict(data)



            return componentsschemas_slack_config_type_1

        config = _parse_config(d.pop("config"))


        type_ = TestSlackConfigRequestType(d.pop("type"))




        _environment = d.pop("environment", UNSET)
        environment: IntegrationEnvironment | Unset
        if isinstance(_environment,  Unset):
            environment = UNSET
        else:
            environment = IntegrationEnvironment(_environment)




        test_slack_config_request = cls(
            config=config,
            type_=type_,
            environment=environment,
        )

        return test_slack_config_request

