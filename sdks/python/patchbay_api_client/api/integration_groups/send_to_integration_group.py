from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.group_send_dto import GroupSendDto
from ...models.problem import Problem
from ...models.send_message_request import SendMessageRequest
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    group_id: str,
    *,
    body: SendMessageRequest,
    idempotency_key: None | str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key



    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/integration-groups/{group_id}/send".format(group_id=quote(str(group_id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> GroupSendDto | Problem | None:
    if response.status_code == 202:
        response_202 = GroupSendDto.from_dict(response.json())



        return response_202

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[GroupSendDto | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessageRequest,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[GroupSendDto | Problem]:
    """ Send a message to an integration group

     Every member that may carry the message is checked first (a problem
    names the member); then the send, its route and its first deliveries
    are written in one transaction and the answer is 202. Failover: the
    first usable member gets it. Broadcast: every member does. A repeat
    with the same `Idempotency-Key` and body answers the first send.

    Args:
        group_id (str):
        idempotency_key (None | str | Unset):
        body (SendMessageRequest): A channel-neutral message; each type uses the parts it can
            carry (chat:
            `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
            `data` (or the text parts) and `eventType`; AI gateways: `text` as the
            prompt).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GroupSendDto | Problem]
     """


    kwargs = _get_kwargs(
        group_id=group_id,
body=body,
idempotency_key=idempotency_key,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessageRequest,
    idempotency_key: None | str | Unset = UNSET,

) -> GroupSendDto | Problem | None:
    """ Send a message to an integration group

     Every member that may carry the message is checked first (a problem
    names the member); then the send, its route and its first deliveries
    are written in one transaction and the answer is 202. Failover: the
    first usable member gets it. Broadcast: every member does. A repeat
    with the same `Idempotency-Key` and body answers the first send.

    Args:
        group_id (str):
        idempotency_key (None | str | Unset):
        body (SendMessageRequest): A channel-neutral message; each type uses the parts it can
            carry (chat:
            `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
            `data` (or the text parts) and `eventType`; AI gateways: `text` as the
            prompt).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GroupSendDto | Problem
     """


    return sync_detailed(
        group_id=group_id,
client=client,
body=body,
idempotency_key=idempotency_key,

    ).parsed

async def asyncio_detailed(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessageRequest,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[GroupSendDto | Problem]:
    """ Send a message to an integration group

     Every member that may carry the message is checked first (a problem
    names the member); then the send, its route and its first deliveries
    are written in one transaction and the answer is 202. Failover: the
    first usable member gets it. Broadcast: every member does. A repeat
    with the same `Idempotency-Key` and body answers the first send.

    Args:
        group_id (str):
        idempotency_key (None | str | Unset):
        body (SendMessageRequest): A channel-neutral message; each type uses the parts it can
            carry (chat:
            `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
            `data` (or the text parts) and `eventType`; AI gateways: `text` as the
            prompt).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GroupSendDto | Problem]
     """


    kwargs = _get_kwargs(
        group_id=group_id,
body=body,
idempotency_key=idempotency_key,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: SendMessageRequest,
    idempotency_key: None | str | Unset = UNSET,

) -> GroupSendDto | Problem | None:
    """ Send a message to an integration group

     Every member that may carry the message is checked first (a problem
    names the member); then the send, its route and its first deliveries
    are written in one transaction and the answer is 202. Failover: the
    first usable member gets it. Broadcast: every member does. A repeat
    with the same `Idempotency-Key` and body answers the first send.

    Args:
        group_id (str):
        idempotency_key (None | str | Unset):
        body (SendMessageRequest): A channel-neutral message; each type uses the parts it can
            carry (chat:
            `subject` and `text`; email: `to`, `subject`, `text`/`html`; webhooks:
            `data` (or the text parts) and `eventType`; AI gateways: `text` as the
            prompt).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GroupSendDto | Problem
     """


    return (await asyncio_detailed(
        group_id=group_id,
client=client,
body=body,
idempotency_key=idempotency_key,

    )).parsed
