from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.ai_gateway_integration_detail import AiGatewayIntegrationDetail
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
    integration_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/integrations/{integration_id}".format(integration_id=quote(str(integration_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    if response.status_code == 200:
        def _parse_response_200(data: object) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail:
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

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())



        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())



        return response_404

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
    integration_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]:
    """ Get an integration.

     Non-secret config values are returned verbatim; secret fields are absent
    from `config` and listed in `secrets` with a masked hint.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]
     """


    kwargs = _get_kwargs(
        integration_id=integration_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    integration_id: str,
    *,
    client: AuthenticatedClient,

) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    """ Get an integration.

     Non-secret config values are returned verbatim; secret fields are absent
    from `config` and listed in `secrets` with a masked hint.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem
     """


    return sync_detailed(
        integration_id=integration_id,
client=client,

    ).parsed

async def asyncio_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]:
    """ Get an integration.

     Non-secret config values are returned verbatim; secret fields are absent
    from `config` and listed in `secrets` with a masked hint.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem]
     """


    kwargs = _get_kwargs(
        integration_id=integration_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    integration_id: str,
    *,
    client: AuthenticatedClient,

) -> AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem | None:
    """ Get an integration.

     Non-secret config values are returned verbatim; secret fields are absent
    from `config` and listed in `secrets` with a masked hint.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AiGatewayIntegrationDetail | DiscordIntegrationDetail | ResendIntegrationDetail | SendgridIntegrationDetail | SlackIntegrationDetail | TelegramIntegrationDetail | Web3IntegrationDetail | WebhookIntegrationDetail | Problem
     """


    return (await asyncio_detailed(
        integration_id=integration_id,
client=client,

    )).parsed
