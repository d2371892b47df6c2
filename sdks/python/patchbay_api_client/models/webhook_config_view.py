from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.webhook_config_view_method import WebhookConfigViewMethod
from ..types import UNSET, Unset






T = TypeVar("T", bound="WebhookConfigView")



@_attrs_define
class WebhookConfigView:
    """ The non-secret config of a Webhook integration.

        Attributes:
            method (WebhookConfigViewMethod | Unset): HTTP method: POST (default), PUT or PATCH.
     """

    method: WebhookConfigViewMethod | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        method: str | Unset = UNSET
        if not isinstance(self.method, Unset):
            method = self.method.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if method is not UNSET:
            field_dict["method"] = method

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _method = d.pop("method", UNSET)
        method: WebhookConfigViewMethod | Unset
        if isinstance(_method,  Unset):
            method = UNSET
        else:
            method = WebhookConfigViewMethod(_method)




        webhook_config_view = cls(
            method=method,
        )

        return webhook_config_view

