from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.integer_id_integration import IntegerIdIntegration
from ...models.integer_id_status_request import IntegerIdStatusRequest
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: int,
    *,
    body: IntegerIdStatusRequest,
    if_match: str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match



    

    

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/integrations/{id}/status".format(id=quote(str(id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> IntegerIdIntegration | Problem | None:
    if response.status_code == 200:
        response_200 = IntegerIdIntegration.from_dict(response.json())



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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())



        return response_409

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())



        return response_412

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[IntegerIdIntegration | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: int,
    *,
    client: AuthenticatedClient,
    body: IntegerIdStatusRequest,
    if_match: str | Unset = UNSET,

) -> Response[IntegerIdIntegration | Problem]:
    """ Set an integration's status (integer-id API).

     An `inactive` integration can still be read and tested, but is not used
    to send. With `If-Match`, the change happens only at that version.

    Args:
        id (int):
        if_match (str | Unset):
        body (IntegerIdStatusRequest): `PATCH /integrations/{id}/status`. Example: {'status':
            'inactive'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntegerIdIntegration | Problem]
     """


    kwargs = _get_kwargs(
        id=id,
body=body,
if_match=if_match,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: int,
    *,
    client: AuthenticatedClient,
    body: IntegerIdStatusRequest,
    if_match: str | Unset = UNSET,

) -> IntegerIdIntegration | Problem | None:
    """ Set an integration's status (integer-id API).

     An `inactive` integration can still be read and tested, but is not used
    to send. With `If-Match`, the change happens only at that version.

    Args:
        id (int):
        if_match (str | Unset):
        body (IntegerIdStatusRequest): `PATCH /integrations/{id}/status`. Example: {'status':
            'inactive'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntegerIdIntegration | Problem
     """


    return sync_detailed(
        id=id,
client=client,
body=body,
if_match=if_match,

    ).parsed

async def asyncio_detailed(
    id: int,
    *,
    client: AuthenticatedClient,
    body: IntegerIdStatusRequest,
    if_match: str | Unset = UNSET,

) -> Response[IntegerIdIntegration | Problem]:
    """ Set an integration's status (integer-id API).

     An `inactive` integration can still be read and tested, but is not used
    to send. With `If-Match`, the change happens only at that version.

    Args:
        id (int):
        if_match (str | Unset):
        body (IntegerIdStatusRequest): `PATCH /integrations/{id}/status`. Example: {'status':
            'inactive'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[IntegerIdIntegration | Problem]
     """


    kwargs = _get_kwargs(
        id=id,
body=body,
if_match=if_match,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: int,
    *,
    client: AuthenticatedClient,
    body: IntegerIdStatusRequest,
    if_match: str | Unset = UNSET,

) -> IntegerIdIntegration | Problem | None:
    """ Set an integration's status (integer-id API).

     An `inactive` integration can still be read and tested, but is not used
    to send. With `If-Match`, the change happens only at that version.

    Args:
        id (int):
        if_match (str | Unset):
        body (IntegerIdStatusRequest): `PATCH /integrations/{id}/status`. Example: {'status':
            'inactive'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        IntegerIdIntegration | Problem
     """


    return (await asyncio_detailed(
        id=id,
client=client,
body=body,
if_match=if_match,

    )).parsed
