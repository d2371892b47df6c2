from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.test_ai_gateway_config_request import TestAiGatewayConfigRequest
from ...models.test_discord_config_request import TestDiscordConfigRequest
from ...models.test_resend_config_request import TestResendConfigRequest
from ...models.test_response import TestResponse
from ...models.test_sendgrid_config_request import TestSendgridConfigRequest
from ...models.test_slack_config_request import TestSlackConfigRequest
from ...models.test_telegram_config_request import TestTelegramConfigRequest
from ...models.test_web_3_config_request import TestWeb3ConfigRequest
from ...models.test_webhook_config_request import TestWebhookConfigRequest
from typing import cast



def _get_kwargs(
    *,
    body: TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest | TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest | TestWeb3ConfigRequest | TestWebhookConfigRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/integrations/test",
    }

    
    if isinstance(body, TestDiscordConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestSlackConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestTelegramConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestSendgridConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestResendConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestWebhookConfigRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, TestWeb3ConfigRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()


    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | TestResponse | None:
    if response.status_code == 200:
        response_200 = TestResponse.from_dict(response.json())



        return response_200

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | TestResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest | TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest | TestWeb3ConfigRequest | TestWebhookConfigRequest,

) -> Response[Problem | TestResponse]:
    """ Test a configuration that is not saved.

     The config is validated as for create, then tested; nothing is stored.

    Args:
        body (TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest |
            TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest |
            TestWeb3ConfigRequest | TestWebhookConfigRequest): `POST /api/integrations/test`: test a
            config that is not saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestResponse]
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
    body: TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest | TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest | TestWeb3ConfigRequest | TestWebhookConfigRequest,

) -> Problem | TestResponse | None:
    """ Test a configuration that is not saved.

     The config is validated as for create, then tested; nothing is stored.

    Args:
        body (TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest |
            TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest |
            TestWeb3ConfigRequest | TestWebhookConfigRequest): `POST /api/integrations/test`: test a
            config that is not saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestResponse
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest | TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest | TestWeb3ConfigRequest | TestWebhookConfigRequest,

) -> Response[Problem | TestResponse]:
    """ Test a configuration that is not saved.

     The config is validated as for create, then tested; nothing is stored.

    Args:
        body (TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest |
            TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest |
            TestWeb3ConfigRequest | TestWebhookConfigRequest): `POST /api/integrations/test`: test a
            config that is not saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestResponse]
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
    body: TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest | TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest | TestWeb3ConfigRequest | TestWebhookConfigRequest,

) -> Problem | TestResponse | None:
    """ Test a configuration that is not saved.

     The config is validated as for create, then tested; nothing is stored.

    Args:
        body (TestAiGatewayConfigRequest | TestDiscordConfigRequest | TestResendConfigRequest |
            TestSendgridConfigRequest | TestSlackConfigRequest | TestTelegramConfigRequest |
            TestWeb3ConfigRequest | TestWebhookConfigRequest): `POST /api/integrations/test`: test a
            config that is not saved.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestResponse
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
