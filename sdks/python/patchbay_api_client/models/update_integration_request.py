from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.integration_environment import IntegrationEnvironment
from ..models.integration_status import IntegrationStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.ai_gateway_config_patch import AiGatewayConfigPatch
  from ..models.discord_config_patch import DiscordConfigPatch
  from ..models.resend_config_patch import ResendConfigPatch
  from ..models.sendgrid_config_patch import SendgridConfigPatch
  from ..models.slack_config_patch import SlackConfigPatch
  from ..models.telegram_config_patch import TelegramConfigPatch
  from ..models.web_3_config_patch import Web3ConfigPatch
  from ..models.webhook_config_patch import WebhookConfigPatch





T = TypeVar("T", bound="UpdateIntegrationRequest")



@_attrs_define
class UpdateIntegrationRequest:
    """ `PUT /api/integrations/{integrationId}`: every member optional.

        Example:
            {'config': {'webhookUrl': 'https://hooks.slack.com/services/T000/B000/YYYY'}, 'name': 'Updated Name'}

        Attributes:
            cleared_config_keys (list[str] | Unset): Config keys to remove.
            config (AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch | SlackConfigPatch |
                TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch): Changes to the config of an integration of
                any one type: a key left out keeps its stored value, `null` removes it. The stored integration's type decides
                which fields apply (422 for any other).
            environment (IntegrationEnvironment | Unset): Where the integration is used.
            name (str | Unset): As on create: 1 to 200 characters, at least one visible, none of
                them control, text-direction control, invisible or noncharacters.
            status (IntegrationStatus | Unset): Whether the integration is in use.
     """

    cleared_config_keys: list[str] | Unset = UNSET
    config: AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch | SlackConfigPatch | TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch = UNSET
    environment: IntegrationEnvironment | Unset = UNSET
    name: str | Unset = UNSET
    status: IntegrationStatus | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.ai_gateway_config_patch import AiGatewayConfigPatch # noqa: PLC0415
        from ..models.discord_config_patch import DiscordConfigPatch # noqa: PLC0415
        from ..models.resend_config_patch import ResendConfigPatch # noqa: PLC0415
        from ..models.sendgrid_config_patch import SendgridConfigPatch # noqa: PLC0415
        from ..models.slack_config_patch import SlackConfigPatch # noqa: PLC0415
        from ..models.telegram_config_patch import TelegramConfigPatch # noqa: PLC0415
        from ..models.web_3_config_patch import Web3ConfigPatch # noqa: PLC0415
        from ..models.webhook_config_patch import WebhookConfigPatch # noqa: PLC0415
        cleared_config_keys: list[str] | Unset = UNSET
        if not isinstance(self.cleared_config_keys, Unset):
            cleared_config_keys = self.cleared_config_keys



        config: dict[str, Any] | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        elif isinstance(self.config, DiscordConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, SlackConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, TelegramConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, SendgridConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, ResendConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, WebhookConfigPatch):
            config = self.config.to_dict()
        elif isinstance(self.config, Web3ConfigPatch):
            config = self.config.to_dict()
        else:
            config = self.config.to_dict()


        environment: str | Unset = UNSET
        if not isinstance(self.environment, Unset):
            environment = self.environment.value


        name = self.name

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if cleared_config_keys is not UNSET:
            field_dict["clearedConfigKeys"] = cleared_config_keys
        if config is not UNSET:
            field_dict["config"] = config
        if environment is not UNSET:
            field_dict["environment"] = environment
        if name is not UNSET:
            field_dict["name"] = name
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ai_gateway_config_patch import AiGatewayConfigPatch # noqa: PLC0415
        from ..models.discord_config_patch import DiscordConfigPatch # noqa: PLC0415
        from ..models.resend_config_patch import ResendConfigPatch # noqa: PLC0415
        from ..models.sendgrid_config_patch import SendgridConfigPatch # noqa: PLC0415
        from ..models.slack_config_patch import SlackConfigPatch # noqa: PLC0415
        from ..models.telegram_config_patch import TelegramConfigPatch # noqa: PLC0415
        from ..models.web_3_config_patch import Web3ConfigPatch # noqa: PLC0415
        from ..models.webhook_config_patch import WebhookConfigPatch # noqa: PLC0415
        d = dict(src_dict)
        cleared_config_keys = cast(list[str], d.pop("clearedConfigKeys", UNSET))


        def _parse_config(data: object) -> AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch | SlackConfigPatch | TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_0 = DiscordConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_1 = SlackConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_2 = TelegramConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_3 = SendgridConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_4 = ResendConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_5 = WebhookConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_config_patch_type_6 = Web3ConfigPatch.from_dict(data)



                return componentsschemas_config_patch_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_config_patch_type_7 = AiGatewayConfigPatch.from_dict(data)



            return componentsschemas_config_patch_type_7

        config = _parse_config(d.pop("config", UNSET))


        _environment = d.pop("environment", UNSET)
        environment: IntegrationEnvironment | Unset
        if isinstance(_environment,  Unset):
            environment = UNSET
        else:
            environment = IntegrationEnvironment(_environment)




        name = d.pop("name", UNSET)

        _status = d.pop("status", UNSET)
        status: IntegrationStatus | Unset
        if isinstance(_status,  Unset):
            status = UNSET
        else:
            status = IntegrationStatus(_status)




        update_integration_request = cls(
            cleared_config_keys=cleared_config_keys,
            config=config,
            environment=environment,
            name=name,
            status=status,
        )

        return update_integration_request

