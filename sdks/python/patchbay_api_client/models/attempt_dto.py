from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="AttemptDto")



@_attrs_define
class AttemptDto:
    """ One attempt of a delivery.

        Attributes:
            code (None | str): The provider's stable error code, where it has one.
            error (None | str): Our description of a failure (never the provider's raw answer).
            finished_at (datetime.datetime): When the outcome was known.
            latency_ms (int): How long the send took, in milliseconds.
            number (int): Which attempt this was, from 1.
            outcome (str): `delivered`, `retryable` or `permanent`.
            provider_message_id (None | str): The provider's id for the delivered message, when it gave one.
            retry_after_ms (int | None): The provider's retry hint, in milliseconds.
            retry_at (datetime.datetime | None): When the next attempt was scheduled (after a retryable outcome).
            started_at (datetime.datetime): When the send started.
            status_class (str): `success`, `rate_limited`, `server_error`, `network`, `redirect`,
                `auth`, `gone`, `rejected` or `unsupported`.
     """

    code: None | str
    error: None | str
    finished_at: datetime.datetime
    latency_ms: int
    number: int
    outcome: str
    provider_message_id: None | str
    retry_after_ms: int | None
    retry_at: datetime.datetime | None
    started_at: datetime.datetime
    status_class: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        code: None | str
        code = self.code

        error: None | str
        error = self.error

        finished_at = self.finished_at.isoformat()

        latency_ms = self.latency_ms

        number = self.number

        outcome = self.outcome

        provider_message_id: None | str
        provider_message_id = self.provider_message_id

        retry_after_ms: int | None
        retry_after_ms = self.retry_after_ms

        retry_at: None | str
        if isinstance(self.retry_at, datetime.datetime):
            retry_at = self.retry_at.isoformat()
        else:
            retry_at = self.retry_at

        started_at = self.started_at.isoformat()

        status_class = self.status_class


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "code": code,
            "error": error,
            "finishedAt": finished_at,
            "latencyMs": latency_ms,
            "number": number,
            "outcome": outcome,
            "providerMessageId": provider_message_id,
            "retryAfterMs": retry_after_ms,
            "retryAt": retry_at,
            "startedAt": started_at,
            "statusClass": status_class,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))


        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))


        finished_at = datetime.datetime.fromisoformat(d.pop("finishedAt"))




        latency_ms = d.pop("latencyMs")

        number = d.pop("number")

        outcome = d.pop("outcome")

        def _parse_provider_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_message_id = _parse_provider_message_id(d.pop("providerMessageId"))


        def _parse_retry_after_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        retry_after_ms = _parse_retry_after_ms(d.pop("retryAfterMs"))


        def _parse_retry_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_at_type_0 = datetime.datetime.fromisoformat(data)



                return retry_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        retry_at = _parse_retry_at(d.pop("retryAt"))


        started_at = datetime.datetime.fromisoformat(d.pop("startedAt"))




        status_class = d.pop("statusClass")

        attempt_dto = cls(
            code=code,
            error=error,
            finished_at=finished_at,
            latency_ms=latency_ms,
            number=number,
            outcome=outcome,
            provider_message_id=provider_message_id,
            retry_after_ms=retry_after_ms,
            retry_at=retry_at,
            started_at=started_at,
            status_class=status_class,
        )


        attempt_dto.additional_properties = d
        return attempt_dto

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
