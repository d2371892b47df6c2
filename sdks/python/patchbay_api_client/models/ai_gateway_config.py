from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="AiGatewayConfig")



@_attrs_define
class AiGatewayConfig:
    """ 
        Attributes:
            api_key (str): API key for the gateway.
            base_url (None | str | Unset): OpenAI-compatible base URL; default https://ai-gateway.vercel.sh/v1.
            default_model (None | str | Unset): Model used when a request names none, e.g. openai/gpt-4o-mini.
     """

    api_key: str
    base_url: None | str | Unset = UNSET
    default_model: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        base_url: None | str | Unset
        if isinstance(self.base_url, Unset):
            base_url = UNSET
        else:
            base_url = self.base_url

        default_model: None | str | Unset
        if isinstance(self.default_model, Unset):
            default_model = UNSET
        else:
            default_model = self.default_model


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "apiKey": api_key,
        })
        if base_url is not UNSET:
            field_dict["baseUrl"] = base_url
        if default_model is not UNSET:
            field_dict["defaultModel"] = default_model

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        api_key = d.pop("apiKey")

        def _parse_base_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_url = _parse_base_url(d.pop("baseUrl", UNSET))


        def _parse_default_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        default_model = _parse_default_model(d.pop("defaultModel", UNSET))


        ai_gateway_config = cls(
            api_key=api_key,
            base_url=base_url,
            default_model=default_model,
        )

        return ai_gateway_config

