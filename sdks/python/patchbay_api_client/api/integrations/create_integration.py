from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.ai_gateway_integration_detail import AiGatewayIntegrationDetail
from ...models.create_ai_gateway_integration_request import CreateAiGatewayIntegrationRequest
from ...models.create_discord_integration_request import CreateDiscordIntegrationRequest
from ...models.create_resend_integration_request import CreateResendIntegrationRequest
from ...models.create_sendgrid_integration_request import CreateSendgridIntegrationRequest
from ...models.create_slack_integration_request import CreateSlackIntegrationRequest
from ...models.create_telegram_integration_request import CreateTelegramIntegrationRequest
from ...models.create_web_3_integration_request import CreateWeb3IntegrationRequest
from ...models.create_webhook_integration_request import CreateWebhookIntegrationRequest
from ...models.discord_integration_detail import DiscordIntegrationDetail
from ...models.problem import Problem
from ...models.resend_integration_detail import ResendIntegrationDetail
from ...models.sendgrid_integration_detail import SendgridIntegrationDetail
from ...models.slack_integration_detail import SlackIntegrationDetail
from ...models.telegram_integration_detail import TelegramIntegrationDetail
from ...models.web_3_integration_detail import Web3IntegrationDetail
from ...models.webhook_integration_detail import WebhookIntegrationDetail
from typing import cast



def _get_kwargs(
    *,
    body: CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest | CreateResendIntegrationRequest | CreateSendgridIntegrationRequest | CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest | CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/integrations",
    }

    
    if isinstance(body, CreateDiscordIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateSlackIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateTelegramIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateSendgridIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateResendIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateWebhookIntegrationRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CreateWeb3IntegrationRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()


    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    if response.status_code == 201:
        def _parse_response_201(data: object) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_0 = DiscordIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_1 = SlackIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_2 = TelegramIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_3 = SendgridIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_4 = ResendIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_5 = WebhookIntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_integration_detail_type_6 = Web3IntegrationDetail.from_dict(data)



                return componentsschemas_integration_detail_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_integration_detail_type_7 = AiGatewayIntegrationDetail.from_dict(data)



            return componentsschemas_integration_detail_type_7

        response_201 = _parse_response_201(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())



        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())



        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())



        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())



        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())



        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())



        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest | CreateResendIntegrationRequest | CreateSendgridIntegrationRequest | CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest | CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest,

) -> Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]:
    """ Create an integration.

     `config` is validated against the type's schema; every invalid field is
    reported with its path. Secret values are stored encrypted and never
    returned.

    Args:
        body (CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest |
            CreateResendIntegrationRequest | CreateSendgridIntegrationRequest |
            CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest |
            CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest): `POST /api/integrations`.
            Example: {'config': {'webhookUrl': 'https://hooks.slack.com/services/T000/B000/XXXX'},
            'name': 'My Slack Integration', 'type': 'slack'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest | CreateResendIntegrationRequest | CreateSendgridIntegrationRequest | CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest | CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest,

) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    """ Create an integration.

     `config` is validated against the type's schema; every invalid field is
    reported with its path. Secret values are stored encrypted and never
    returned.

    Args:
        body (CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest |
            CreateResendIntegrationRequest | CreateSendgridIntegrationRequest |
            CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest |
            CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest): `POST /api/integrations`.
            Example: {'config': {'webhookUrl': 'https://hooks.slack.com/services/T000/B000/XXXX'},
            'name': 'My Slack Integration', 'type': 'slack'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest | CreateResendIntegrationRequest | CreateSendgridIntegrationRequest | CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest | CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest,

) -> Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]:
    """ Create an integration.

     `config` is validated against the type's schema; every invalid field is
    reported with its path. Secret values are stored encrypted and never
    returned.

    Args:
        body (CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest |
            CreateResendIntegrationRequest | CreateSendgridIntegrationRequest |
            CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest |
            CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest): `POST /api/integrations`.
            Example: {'config': {'webhookUrl': 'https://hooks.slack.com/services/T000/B000/XXXX'},
            'name': 'My Slack Integration', 'type': 'slack'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest | CreateResendIntegrationRequest | CreateSendgridIntegrationRequest | CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest | CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest,

) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    """ Create an integration.

     `config` is validated against the type's schema; every invalid field is
    reported with its path. Secret values are stored encrypted and never
    returned.

    Args:
        body (CreateAiGatewayIntegrationRequest | CreateDiscordIntegrationRequest |
            CreateResendIntegrationRequest | CreateSendgridIntegrationRequest |
            CreateSlackIntegrationRequest | CreateTelegramIntegrationRequest |
            CreateWeb3IntegrationRequest | CreateWebhookIntegrationRequest): `POST /api/integrations`.
            Example: {'config': {'webhookUrl': 'https://hooks.slack.com/services/T000/B000/XXXX'},
            'name': 'My Slack Integration', 'type': 'slack'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
