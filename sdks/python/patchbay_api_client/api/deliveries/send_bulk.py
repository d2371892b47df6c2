from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.bulk_send_request import BulkSendRequest
from ...models.bulk_send_response import BulkSendResponse
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    *,
    body: BulkSendRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/deliveries/bulk",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> BulkSendResponse | Problem | None:
    if response.status_code == 200:
        response_200 = BulkSendResponse.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[BulkSendResponse | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BulkSendRequest,

) -> Response[BulkSendResponse | Problem]:
    """ Send many messages at once

     Up to 100 messages, each to an integration (`integrationId`) or an
    integration group (`groupId`), each with its own optional
    `idempotencyKey`. Every item is checked as its single send would be; a
    refused item is answered with its problem and does not stop the others.
    The accepted items are queued in one transaction: when the database
    fails, none is (the answer is then a 503, and repeating the request
    with the same keys is safe). The answer is 200 with one result per item.

    Args:
        body (BulkSendRequest): Up to 100 messages, each to an integration or an integration
            group.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkSendResponse | Problem]
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
    body: BulkSendRequest,

) -> BulkSendResponse | Problem | None:
    """ Send many messages at once

     Up to 100 messages, each to an integration (`integrationId`) or an
    integration group (`groupId`), each with its own optional
    `idempotencyKey`. Every item is checked as its single send would be; a
    refused item is answered with its problem and does not stop the others.
    The accepted items are queued in one transaction: when the database
    fails, none is (the answer is then a 503, and repeating the request
    with the same keys is safe). The answer is 200 with one result per item.

    Args:
        body (BulkSendRequest): Up to 100 messages, each to an integration or an integration
            group.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkSendResponse | Problem
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BulkSendRequest,

) -> Response[BulkSendResponse | Problem]:
    """ Send many messages at once

     Up to 100 messages, each to an integration (`integrationId`) or an
    integration group (`groupId`), each with its own optional
    `idempotencyKey`. Every item is checked as its single send would be; a
    refused item is answered with its problem and does not stop the others.
    The accepted items are queued in one transaction: when the database
    fails, none is (the answer is then a 503, and repeating the request
    with the same keys is safe). The answer is 200 with one result per item.

    Args:
        body (BulkSendRequest): Up to 100 messages, each to an integration or an integration
            group.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkSendResponse | Problem]
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
    body: BulkSendRequest,

) -> BulkSendResponse | Problem | None:
    """ Send many messages at once

     Up to 100 messages, each to an integration (`integrationId`) or an
    integration group (`groupId`), each with its own optional
    `idempotencyKey`. Every item is checked as its single send would be; a
    refused item is answered with its problem and does not stop the others.
    The accepted items are queued in one transaction: when the database
    fails, none is (the answer is then a 503, and repeating the request
    with the same keys is safe). The answer is 200 with one result per item.

    Args:
        body (BulkSendRequest): Up to 100 messages, each to an integration or an integration
            group.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkSendResponse | Problem
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
