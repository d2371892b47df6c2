from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.health_dto import HealthDto
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    integration_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/integrations/{integration_id}/health".format(integration_id=quote(str(integration_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> HealthDto | Problem | None:
    if response.status_code == 200:
        response_200 = HealthDto.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[HealthDto | Problem]:
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

) -> Response[HealthDto | Problem]:
    """ Get an integration's health

     `healthy`, `unhealthy` or `unknown`, with the reason and when it changed:
    the newest of its last credential test, its deliveries (a success, or a
    permanent credential or gone failure) and the scheduled re-test.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HealthDto | Problem]
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

) -> HealthDto | Problem | None:
    """ Get an integration's health

     `healthy`, `unhealthy` or `unknown`, with the reason and when it changed:
    the newest of its last credential test, its deliveries (a success, or a
    permanent credential or gone failure) and the scheduled re-test.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HealthDto | Problem
     """


    return sync_detailed(
        integration_id=integration_id,
client=client,

    ).parsed

async def asyncio_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[HealthDto | Problem]:
    """ Get an integration's health

     `healthy`, `unhealthy` or `unknown`, with the reason and when it changed:
    the newest of its last credential test, its deliveries (a success, or a
    permanent credential or gone failure) and the scheduled re-test.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HealthDto | Problem]
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

) -> HealthDto | Problem | None:
    """ Get an integration's health

     `healthy`, `unhealthy` or `unknown`, with the reason and when it changed:
    the newest of its last credential test, its deliveries (a success, or a
    permanent credential or gone failure) and the scheduled re-test.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HealthDto | Problem
     """


    return (await asyncio_detailed(
        integration_id=integration_id,
client=client,

    )).parsed
