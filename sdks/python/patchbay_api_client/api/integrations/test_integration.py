from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.test_integration_request import TestIntegrationRequest
from ...models.test_response import TestResponse
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    integration_id: str,
    *,
    body: TestIntegrationRequest | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/integrations/{integration_id}/test".format(integration_id=quote(str(integration_id), safe=""),),
    }

    
    if not isinstance(body, Unset):
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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())



        return response_404

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
    integration_id: str,
    *,
    client: AuthenticatedClient,
    body: TestIntegrationRequest | Unset = UNSET,

) -> Response[Problem | TestResponse]:
    """ Test an integration's credentials and connectivity.

     `configOverrides` are merged over the stored config for this test only
    and never saved. The body is optional. The answer is 200 whatever the
    verdict: the test ran, and `status` says how it went. A test without
    overrides is recorded as the integration's `lastTest`.

    Args:
        integration_id (str):
        body (TestIntegrationRequest | Unset): `POST /api/integrations/{integrationId}/test` (the
            body is optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestResponse]
     """


    kwargs = _get_kwargs(
        integration_id=integration_id,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    body: TestIntegrationRequest | Unset = UNSET,

) -> Problem | TestResponse | None:
    """ Test an integration's credentials and connectivity.

     `configOverrides` are merged over the stored config for this test only
    and never saved. The body is optional. The answer is 200 whatever the
    verdict: the test ran, and `status` says how it went. A test without
    overrides is recorded as the integration's `lastTest`.

    Args:
        integration_id (str):
        body (TestIntegrationRequest | Unset): `POST /api/integrations/{integrationId}/test` (the
            body is optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestResponse
     """


    return sync_detailed(
        integration_id=integration_id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    body: TestIntegrationRequest | Unset = UNSET,

) -> Response[Problem | TestResponse]:
    """ Test an integration's credentials and connectivity.

     `configOverrides` are merged over the stored config for this test only
    and never saved. The body is optional. The answer is 200 whatever the
    verdict: the test ran, and `status` says how it went. A test without
    overrides is recorded as the integration's `lastTest`.

    Args:
        integration_id (str):
        body (TestIntegrationRequest | Unset): `POST /api/integrations/{integrationId}/test` (the
            body is optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TestResponse]
     """


    kwargs = _get_kwargs(
        integration_id=integration_id,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    body: TestIntegrationRequest | Unset = UNSET,

) -> Problem | TestResponse | None:
    """ Test an integration's credentials and connectivity.

     `configOverrides` are merged over the stored config for this test only
    and never saved. The body is optional. The answer is 200 whatever the
    verdict: the test ran, and `status` says how it went. A test without
    overrides is recorded as the integration's `lastTest`.

    Args:
        integration_id (str):
        body (TestIntegrationRequest | Unset): `POST /api/integrations/{integrationId}/test` (the
            body is optional).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TestResponse
     """


    return (await asyncio_detailed(
        integration_id=integration_id,
client=client,
body=body,

    )).parsed
