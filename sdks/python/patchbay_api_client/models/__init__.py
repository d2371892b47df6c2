""" Contains all the data models used in inputs/outputs """

from .ai_gateway_config import AiGatewayConfig
from .ai_gateway_config_patch import AiGatewayConfigPatch
from .ai_gateway_config_view import AiGatewayConfigView
from .ai_gateway_integration_detail import AiGatewayIntegrationDetail
from .ai_gateway_integration_detail_type import AiGatewayIntegrationDetailType
from .api_scope import ApiScope
from .attempt_dto import AttemptDto
from .audit_action_name import AuditActionName
from .audit_event_list import AuditEventList
from .audit_event_view import AuditEventView
from .bulk_send_item import BulkSendItem
from .bulk_send_request import BulkSendRequest
from .bulk_send_response import BulkSendResponse
from .bulk_send_result import BulkSendResult
from .create_ai_gateway_integration_request import CreateAiGatewayIntegrationRequest
from .create_ai_gateway_integration_request_type import CreateAiGatewayIntegrationRequestType
from .create_discord_integration_request import CreateDiscordIntegrationRequest
from .create_discord_integration_request_type import CreateDiscordIntegrationRequestType
from .create_group_request import CreateGroupRequest
from .create_resend_integration_request import CreateResendIntegrationRequest
from .create_resend_integration_request_type import CreateResendIntegrationRequestType
from .create_sendgrid_integration_request import CreateSendgridIntegrationRequest
from .create_sendgrid_integration_request_type import CreateSendgridIntegrationRequestType
from .create_slack_integration_request import CreateSlackIntegrationRequest
from .create_slack_integration_request_type import CreateSlackIntegrationRequestType
from .create_telegram_integration_request import CreateTelegramIntegrationRequest
from .create_telegram_integration_request_type import CreateTelegramIntegrationRequestType
from .create_web_3_integration_request import CreateWeb3IntegrationRequest
from .create_web_3_integration_request_type import CreateWeb3IntegrationRequestType
from .create_webhook_integration_request import CreateWebhookIntegrationRequest
from .create_webhook_integration_request_type import CreateWebhookIntegrationRequestType
from .current_key import CurrentKey
from .delivery_detail import DeliveryDetail
from .delivery_dto import DeliveryDto
from .delivery_list import DeliveryList
from .delivery_status_dto import DeliveryStatusDto
from .discord_config import DiscordConfig
from .discord_config_patch import DiscordConfigPatch
from .discord_config_view import DiscordConfigView
from .discord_integration_detail import DiscordIntegrationDetail
from .discord_integration_detail_type import DiscordIntegrationDetailType
from .failover_dto import FailoverDto
from .failover_request import FailoverRequest
from .get_open_api_document_response_200 import GetOpenApiDocumentResponse200
from .group_delivery_dto import GroupDeliveryDto
from .group_dto import GroupDto
from .group_list import GroupList
from .group_send_dto import GroupSendDto
from .group_send_status_dto import GroupSendStatusDto
from .group_strategy import GroupStrategy
from .health import Health
from .health_dto import HealthDto
from .integer_id_create_request import IntegerIdCreateRequest
from .integer_id_data import IntegerIdData
from .integer_id_integration import IntegerIdIntegration
from .integer_id_integration_list import IntegerIdIntegrationList
from .integer_id_integration_type import IntegerIdIntegrationType
from .integer_id_request_data import IntegerIdRequestData
from .integer_id_status_request import IntegerIdStatusRequest
from .integer_id_update_request import IntegerIdUpdateRequest
from .integration_category import IntegrationCategory
from .integration_environment import IntegrationEnvironment
from .integration_list import IntegrationList
from .integration_status import IntegrationStatus
from .integration_summary import IntegrationSummary
from .integration_type_info import IntegrationTypeInfo
from .integration_type_info_config_schema import IntegrationTypeInfoConfigSchema
from .integration_type_list import IntegrationTypeList
from .integration_type_slug import IntegrationTypeSlug
from .last_test import LastTest
from .organization_ref import OrganizationRef
from .problem import Problem
from .problem_field_error import ProblemFieldError
from .resend_config import ResendConfig
from .resend_config_patch import ResendConfigPatch
from .resend_config_view import ResendConfigView
from .resend_integration_detail import ResendIntegrationDetail
from .resend_integration_detail_type import ResendIntegrationDetailType
from .route_step_dto import RouteStepDto
from .secret_field import SecretField
from .send_message_request import SendMessageRequest
from .send_message_request_data import SendMessageRequestData
from .send_response import SendResponse
from .sendgrid_config import SendgridConfig
from .sendgrid_config_patch import SendgridConfigPatch
from .sendgrid_config_patch_region import SendgridConfigPatchRegion
from .sendgrid_config_region import SendgridConfigRegion
from .sendgrid_config_view import SendgridConfigView
from .sendgrid_config_view_region import SendgridConfigViewRegion
from .sendgrid_integration_detail import SendgridIntegrationDetail
from .sendgrid_integration_detail_type import SendgridIntegrationDetailType
from .slack_config_patch import SlackConfigPatch
from .slack_config_view import SlackConfigView
from .slack_config_with_bot_token import SlackConfigWithBotToken
from .slack_config_with_webhook_url import SlackConfigWithWebhookUrl
from .slack_integration_detail import SlackIntegrationDetail
from .slack_integration_detail_type import SlackIntegrationDetailType
from .step_counts_dto import StepCountsDto
from .step_state_dto import StepStateDto
from .telegram_config import TelegramConfig
from .telegram_config_parse_mode import TelegramConfigParseMode
from .telegram_config_patch import TelegramConfigPatch
from .telegram_config_patch_parse_mode import TelegramConfigPatchParseMode
from .telegram_config_view import TelegramConfigView
from .telegram_config_view_parse_mode import TelegramConfigViewParseMode
from .telegram_integration_detail import TelegramIntegrationDetail
from .telegram_integration_detail_type import TelegramIntegrationDetailType
from .test_ai_gateway_config_request import TestAiGatewayConfigRequest
from .test_ai_gateway_config_request_type import TestAiGatewayConfigRequestType
from .test_discord_config_request import TestDiscordConfigRequest
from .test_discord_config_request_type import TestDiscordConfigRequestType
from .test_integration_request import TestIntegrationRequest
from .test_resend_config_request import TestResendConfigRequest
from .test_resend_config_request_type import TestResendConfigRequestType
from .test_response import TestResponse
from .test_sendgrid_config_request import TestSendgridConfigRequest
from .test_sendgrid_config_request_type import TestSendgridConfigRequestType
from .test_slack_config_request import TestSlackConfigRequest
from .test_slack_config_request_type import TestSlackConfigRequestType
from .test_telegram_config_request import TestTelegramConfigRequest
from .test_telegram_config_request_type import TestTelegramConfigRequestType
from .test_verdict import TestVerdict
from .test_web_3_config_request import TestWeb3ConfigRequest
from .test_web_3_config_request_type import TestWeb3ConfigRequestType
from .test_webhook_config_request import TestWebhookConfigRequest
from .test_webhook_config_request_type import TestWebhookConfigRequestType
from .type_capabilities import TypeCapabilities
from .update_group_request import UpdateGroupRequest
from .update_integration_request import UpdateIntegrationRequest
from .web_3_config import Web3Config
from .web_3_config_patch import Web3ConfigPatch
from .web_3_config_view import Web3ConfigView
from .web_3_integration_detail import Web3IntegrationDetail
from .web_3_integration_detail_type import Web3IntegrationDetailType
from .webhook_config import WebhookConfig
from .webhook_config_headers_type_0 import WebhookConfigHeadersType0
from .webhook_config_method import WebhookConfigMethod
from .webhook_config_patch import WebhookConfigPatch
from .webhook_config_patch_headers_type_0 import WebhookConfigPatchHeadersType0
from .webhook_config_patch_method import WebhookConfigPatchMethod
from .webhook_config_view import WebhookConfigView
from .webhook_config_view_method import WebhookConfigViewMethod
from .webhook_integration_detail import WebhookIntegrationDetail
from .webhook_integration_detail_type import WebhookIntegrationDetailType

__all__ = (
    "AiGatewayConfig",
    "AiGatewayConfigPatch",
    "AiGatewayConfigView",
    "AiGatewayIntegrationDetail",
    "AiGatewayIntegrationDetailType",
    "ApiScope",
    "AttemptDto",
    "AuditActionName",
    "AuditEventList",
    "AuditEventView",
    "BulkSendItem",
    "BulkSendRequest",
    "BulkSendResponse",
    "BulkSendResult",
    "CreateAiGatewayIntegrationRequest",
    "CreateAiGatewayIntegrationRequestType",
    "CreateDiscordIntegrationRequest",
    "CreateDiscordIntegrationRequestType",
    "CreateGroupRequest",
    "CreateResendIntegrationRequest",
    "CreateResendIntegrationRequestType",
    "CreateSendgridIntegrationRequest",
    "CreateSendgridIntegrationRequestType",
    "CreateSlackIntegrationRequest",
    "CreateSlackIntegrationRequestType",
    "CreateTelegramIntegrationRequest",
    "CreateTelegramIntegrationRequestType",
    "CreateWeb3IntegrationRequest",
    "CreateWeb3IntegrationRequestType",
    "CreateWebhookIntegrationRequest",
    "CreateWebhookIntegrationRequestType",
    "CurrentKey",
    "DeliveryDetail",
    "DeliveryDto",
    "DeliveryList",
    "DeliveryStatusDto",
    "DiscordConfig",
    "DiscordConfigPatch",
    "DiscordConfigView",
    "DiscordIntegrationDetail",
    "DiscordIntegrationDetailType",
    "FailoverDto",
    "FailoverRequest",
    "GetOpenApiDocumentResponse200",
    "GroupDeliveryDto",
    "GroupDto",
    "GroupList",
    "GroupSendDto",
    "GroupSendStatusDto",
    "GroupStrategy",
    "Health",
    "HealthDto",
    "IntegerIdCreateRequest",
    "IntegerIdData",
    "IntegerIdIntegration",
    "IntegerIdIntegrationList",
    "IntegerIdIntegrationType",
    "IntegerIdRequestData",
    "IntegerIdStatusRequest",
    "IntegerIdUpdateRequest",
    "IntegrationCategory",
    "IntegrationEnvironment",
    "IntegrationList",
    "IntegrationStatus",
    "IntegrationSummary",
    "IntegrationTypeInfo",
    "IntegrationTypeInfoConfigSchema",
    "IntegrationTypeList",
    "IntegrationTypeSlug",
    "LastTest",
    "OrganizationRef",
    "Problem",
    "ProblemFieldError",
    "ResendConfig",
    "ResendConfigPatch",
    "ResendConfigView",
    "ResendIntegrationDetail",
    "ResendIntegrationDetailType",
    "RouteStepDto",
    "SecretField",
    "SendgridConfig",
    "SendgridConfigPatch",
    "SendgridConfigPatchRegion",
    "SendgridConfigRegion",
    "SendgridConfigView",
    "SendgridConfigViewRegion",
    "SendgridIntegrationDetail",
    "SendgridIntegrationDetailType",
    "SendMessageRequest",
    "SendMessageRequestData",
    "SendResponse",
    "SlackConfigPatch",
    "SlackConfigView",
    "SlackConfigWithBotToken",
    "SlackConfigWithWebhookUrl",
    "SlackIntegrationDetail",
    "SlackIntegrationDetailType",
    "StepCountsDto",
    "StepStateDto",
    "TelegramConfig",
    "TelegramConfigParseMode",
    "TelegramConfigPatch",
    "TelegramConfigPatchParseMode",
    "TelegramConfigView",
    "TelegramConfigViewParseMode",
    "TelegramIntegrationDetail",
    "TelegramIntegrationDetailType",
    "TestAiGatewayConfigRequest",
    "TestAiGatewayConfigRequestType",
    "TestDiscordConfigRequest",
    "TestDiscordConfigRequestType",
    "TestIntegrationRequest",
    "TestResendConfigRequest",
    "TestResendConfigRequestType",
    "TestResponse",
    "TestSendgridConfigRequest",
    "TestSendgridConfigRequestType",
    "TestSlackConfigRequest",
    "TestSlackConfigRequestType",
    "TestTelegramConfigRequest",
    "TestTelegramConfigRequestType",
    "TestVerdict",
    "TestWeb3ConfigRequest",
    "TestWeb3ConfigRequestType",
    "TestWebhookConfigRequest",
    "TestWebhookConfigRequestType",
    "TypeCapabilities",
    "UpdateGroupRequest",
    "UpdateIntegrationRequest",
    "Web3Config",
    "Web3ConfigPatch",
    "Web3ConfigView",
    "Web3IntegrationDetail",
    "Web3IntegrationDetailType",
    "WebhookConfig",
    "WebhookConfigHeadersType0",
    "WebhookConfigMethod",
    "WebhookConfigPatch",
    "WebhookConfigPatchHeadersType0",
    "WebhookConfigPatchMethod",
    "WebhookConfigView",
    "WebhookConfigViewMethod",
    "WebhookIntegrationDetail",
    "WebhookIntegrationDetailType",
)
