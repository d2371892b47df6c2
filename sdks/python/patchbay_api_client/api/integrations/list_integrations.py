from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.integration_environment import IntegrationEnvironment
from ...models.integration_list import IntegrationList
from ...models.integration_status import IntegrationStatus
from ...models.integration_type_slug import IntegrationTypeSlug
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    type_: IntegrationTypeSlug | Unset = UNSET,
    status: IntegrationStatus | Unset = UNSET,
    environment: IntegrationEnvironment | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_environment: str | Unset = UNSET
    if not isinstance(environment, Unset):
        json_environment = environment.value

    params["environment"] = json_environment

    params["limit"] = limit

    params["cursor"] = cursor


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/integrations",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> IntegrationList | Problem | None:
    if response.status_code == 200:
        response_200 = IntegrationList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[IntegrationList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    type_: IntegrationTypeSlug | Unset = UNSET,
    status: IntegrationStatus | Unset = UNSET,
    environment: IntegrationEnvironment | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,

) -> Response[IntegrationList | Problem]:
    """ List integrations.

     Configuration is excluded from list responses. Rows come in creation
    order; follow `nextCursor` until it is `null` to see every row once.

    Args:
        type_ (IntegrationTypeSlug | Unset): An integration type's slug.
        status (IntegrationStatus | Unset): Whether the integration is in use.
        environment (IntegrationEnvironment | Unset): Where the integration is used.
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntegrationList | Problem]
     """


    kwargs = _get_kwargs(
        type_=type_,
status=status,
environment=environment,
limit=limit,
cursor=cursor,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    type_: IntegrationTypeSlug | Unset = UNSET,
    status: IntegrationStatus | Unset = UNSET,
    environment: IntegrationEnvironment | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,

) -> IntegrationList | Problem | None:
    """ List integrations.

     Configuration is excluded from list responses. Rows come in creation
    order; follow `nextCursor` until it is `null` to see every row once.

    Args:
        type_ (IntegrationTypeSlug | Unset): An integration type's slug.
        status (IntegrationStatus | Unset): Whether the integration is in use.
        environment (IntegrationEnvironment | Unset): Where the integration is used.
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntegrationList | Problem
     """


    return sync_detailed(
        client=client,
type_=type_,
status=status,
environment=environment,
limit=limit,
cursor=cursor,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    type_: IntegrationTypeSlug | Unset = UNSET,
    status: IntegrationStatus | Unset = UNSET,
    environment: IntegrationEnvironment | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,

) -> Response[IntegrationList | Problem]:
    """ List integrations.

     Configuration is excluded from list responses. Rows come in creation
    order; follow `nextCursor` until it is `null` to see every row once.

    Args:
        type_ (IntegrationTypeSlug | Unset): An integration type's slug.
        status (IntegrationStatus | Unset): Whether the integration is in use.
        environment (IntegrationEnvironment | Unset): Where the integration is used.
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntegrationList | Problem]
     """


    kwargs = _get_kwargs(
        type_=type_,
status=status,
environment=environment,
limit=limit,
cursor=cursor,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    type_: IntegrationTypeSlug | Unset = UNSET,
    status: IntegrationStatus | Unset = UNSET,
    environment: IntegrationEnvironment | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,

) -> IntegrationList | Problem | None:
    """ List integrations.

     Configuration is excluded from list responses. Rows come in creation
    order; follow `nextCursor` until it is `null` to see every row once.

    Args:
        type_ (IntegrationTypeSlug | Unset): An integration type's slug.
        status (IntegrationStatus | Unset): Whether the integration is in use.
        environment (IntegrationEnvironment | Unset): Where the integration is used.
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntegrationList | Problem
     """


    return (await asyncio_detailed(
        client=client,
type_=type_,
status=status,
environment=environment,
limit=limit,
cursor=cursor,

    )).parsed
