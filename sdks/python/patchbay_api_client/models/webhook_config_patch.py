from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.webhook_config_patch_method import WebhookConfigPatchMethod
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.webhook_config_patch_headers_type_0 import WebhookConfigPatchHeadersType0





T = TypeVar("T", bound="WebhookConfigPatch")



@_attrs_define
class WebhookConfigPatch:
    """ Changes to a Webhook integration's config: a key left out keeps its stored value, `null` removes it.

        Attributes:
            headers (None | Unset | WebhookConfigPatchHeadersType0): Extra request headers (may carry auth); stored as a
                secret.
            method (WebhookConfigPatchMethod | Unset): HTTP method: POST (default), PUT or PATCH.
            signing_secret (None | str | Unset): Standard Webhooks signing secret (whsec_ + base64 of 24-64 bytes).
                Generated when not given.
            url (None | str | Unset): Endpoint URL (http or https). Stored as a secret because URLs often embed tokens.
     """

    headers: None | Unset | WebhookConfigPatchHeadersType0 = UNSET
    method: WebhookConfigPatchMethod | Unset = UNSET
    signing_secret: None | str | Unset = UNSET
    url: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.webhook_config_patch_headers_type_0 import WebhookConfigPatchHeadersType0 # noqa: PLC0415
        headers: dict[str, Any] | None | Unset
        if isinstance(self.headers, Unset):
            headers = UNSET
        elif isinstance(self.headers, WebhookConfigPatchHeadersType0):
            headers = self.headers.to_dict()
        else:
            headers = self.headers

        method: str | Unset = UNSET
        if not isinstance(self.method, Unset):
            method = self.method.value


        signing_secret: None | str | Unset
        if isinstance(self.signing_secret, Unset):
            signing_secret = UNSET
        else:
            signing_secret = self.signing_secret

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if headers is not UNSET:
            field_dict["headers"] = headers
        if method is not UNSET:
            field_dict["method"] = method
        if signing_secret is not UNSET:
            field_dict["signingSecret"] = signing_secret
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_config_patch_headers_type_0 import WebhookConfigPatchHeadersType0 # noqa: PLC0415
        d = dict(src_dict)
        def _parse_headers(data: object) -> None | Unset | WebhookConfigPatchHeadersType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                headers_type_0 = WebhookConfigPatchHeadersType0.from_dict(data)



                return headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WebhookConfigPatchHeadersType0, data)

        headers = _parse_headers(d.pop("headers", UNSET))


        _method = d.pop("method", UNSET)
        method: WebhookConfigPatchMethod | Unset
        if isinstance(_method,  Unset):
            method = UNSET
        else:
            method = WebhookConfigPatchMethod(_method)




        def _parse_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_secret = _parse_signing_secret(d.pop("signingSecret", UNSET))


        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))


        webhook_config_patch = cls(
            headers=headers,
            method=method,
            signing_secret=signing_secret,
            url=url,
        )

        return webhook_config_patch

