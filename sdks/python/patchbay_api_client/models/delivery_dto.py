from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.delivery_status_dto import DeliveryStatusDto
from ..models.integration_type_slug import IntegrationTypeSlug
from typing import cast
import datetime






T = TypeVar("T", bound="DeliveryDto")



@_attrs_define
class DeliveryDto:
    """ A delivery: one message queued for one integration.

        Attributes:
            attempt_count (int): Attempts made so far.
            completed_at (datetime.datetime | None): When it was delivered or failed; `null` while it can still be
                attempted.
            created_at (datetime.datetime): When the message was accepted.
            group_send_id (None | str): The group send (`snd_…`) this delivery carries, if it was sent to
                an integration group.
            id (str): `dlv_…`; also the webhook `webhook-id` of every attempt.
            integration_id (str): The integration it is sent through (`int_…`).
            last_code (None | str): The stable error code of the last attempt's permanent outcome (e.g.
                `integration_inactive`), when it had one.
            last_error (None | str): Why the last attempt did not deliver; `null` before the first attempt
                and after a delivery.
            max_attempts (int): The attempt budget: it fails after this many attempts.
            next_attempt_at (datetime.datetime | None): When the next attempt is due, while queued.
            provider_message_id (None | str): The provider's id for the delivered message, when it gave one.
            status (DeliveryStatusDto): Where a delivery is: `queued` (waiting for its next attempt), `sending`
                (an attempt is under way), `delivered`, or `failed` (a permanent
                outcome, or retries exhausted).
            type_ (IntegrationTypeSlug): An integration type's slug.
            updated_at (datetime.datetime): When the delivery last changed.
     """

    attempt_count: int
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    group_send_id: None | str
    id: str
    integration_id: str
    last_code: None | str
    last_error: None | str
    max_attempts: int
    next_attempt_at: datetime.datetime | None
    provider_message_id: None | str
    status: DeliveryStatusDto
    type_: IntegrationTypeSlug
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        attempt_count = self.attempt_count

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        created_at = self.created_at.isoformat()

        group_send_id: None | str
        group_send_id = self.group_send_id

        id = self.id

        integration_id = self.integration_id

        last_code: None | str
        last_code = self.last_code

        last_error: None | str
        last_error = self.last_error

        max_attempts = self.max_attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        provider_message_id: None | str
        provider_message_id = self.provider_message_id

        status = self.status.value

        type_ = self.type_.value

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "attemptCount": attempt_count,
            "completedAt": completed_at,
            "createdAt": created_at,
            "groupSendId": group_send_id,
            "id": id,
            "integrationId": integration_id,
            "lastCode": last_code,
            "lastError": last_error,
            "maxAttempts": max_attempts,
            "nextAttemptAt": next_attempt_at,
            "providerMessageId": provider_message_id,
            "status": status,
            "type": type_,
            "updatedAt": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt_count = d.pop("attemptCount")

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)



                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completedAt"))


        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))




        def _parse_group_send_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group_send_id = _parse_group_send_id(d.pop("groupSendId"))


        id = d.pop("id")

        integration_id = d.pop("integrationId")

        def _parse_last_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_code = _parse_last_code(d.pop("lastCode"))


        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("lastError"))


        max_attempts = d.pop("maxAttempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)



                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("nextAttemptAt"))


        def _parse_provider_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_message_id = _parse_provider_message_id(d.pop("providerMessageId"))


        status = DeliveryStatusDto(d.pop("status"))




        type_ = IntegrationTypeSlug(d.pop("type"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))




        delivery_dto = cls(
            attempt_count=attempt_count,
            completed_at=completed_at,
            created_at=created_at,
            group_send_id=group_send_id,
            id=id,
            integration_id=integration_id,
            last_code=last_code,
            last_error=last_error,
            max_attempts=max_attempts,
            next_attempt_at=next_attempt_at,
            provider_message_id=provider_message_id,
            status=status,
            type_=type_,
            updated_at=updated_at,
        )


        delivery_dto.additional_properties = d
        return delivery_dto

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
