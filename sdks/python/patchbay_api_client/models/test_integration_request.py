from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

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





T = TypeVar("T", bound="TestIntegrationRequest")



@_attrs_define
class TestIntegrationRequest:
    """ `POST /api/integrations/{integrationId}/test` (the body is optional).

        Attributes:
            config_overrides (AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch |
                SlackConfigPatch | TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch): Changes to the config of
                an integration of any one type: a key left out keeps its stored value, `null` removes it. The stored
                integration's type decides which fields apply (422 for any other).
     """

    config_overrides: AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch | SlackConfigPatch | TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.ai_gateway_config_patch import AiGatewayConfigPatch # noqa: PLC0415
        from ..models.discord_config_patch import DiscordConfigPatch # noqa: PLC0415
        from ..models.resend_config_patch import ResendConfigPatch # noqa: PLC0415
        from ..models.sendgrid_config_patch import SendgridConfigPatch # noqa: PLC0415
        from ..models.slack_config_patch import SlackConfigPatch # noqa: PLC0415
        from ..models.telegram_config_patch import TelegramConfigPatch # noqa: PLC0415
        from ..models.web_3_config_patch import Web3ConfigPatch # noqa: PLC0415
        from ..models.webhook_config_patch import WebhookConfigPatch # noqa: PLC0415
        config_overrides: dict[str, Any] | Unset
        if isinstance(self.config_overrides, Unset):
            config_overrides = UNSET
        elif isinstance(self.config_overrides, DiscordConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, SlackConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, TelegramConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, SendgridConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, ResendConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, WebhookConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        elif isinstance(self.config_overrides, Web3ConfigPatch):
            config_overrides = self.config_overrides.to_dict()
        else:
            config_overrides = self.config_overrides.to_dict()



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if config_overrides is not UNSET:
            field_dict["configOverrides"] = config_overrides

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
        def _parse_config_overrides(data: object) -> AiGatewayConfigPatch | DiscordConfigPatch | ResendConfigPatch | SendgridConfigPatch | SlackConfigPatch | TelegramConfigPatch | Unset | Web3ConfigPatch | WebhookConfigPatch:
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

        config_overrides = _parse_config_overrides(d.pop("configOverrides", UNSET))


        test_integration_request = cls(
            config_overrides=config_overrides,
        )

        return test_integration_request

