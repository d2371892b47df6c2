from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.sendgrid_config_patch_region import SendgridConfigPatchRegion
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SendgridConfigPatch")



@_attrs_define
class SendgridConfigPatch:
    """ Changes to a Sendgrid integration's config: a key left out keeps its stored value, `null` removes it.

        Attributes:
            api_key (None | str | Unset): SendGrid API key (SG.…); needs the mail.send scope.
            from_email (None | str | Unset): Default sender address (a verified sender in SendGrid).
            from_name (None | str | Unset): Display name of the sender.
            region (SendgridConfigPatchRegion | Unset): API region: global (default) or eu.
     """

    api_key: None | str | Unset = UNSET
    from_email: None | str | Unset = UNSET
    from_name: None | str | Unset = UNSET
    region: SendgridConfigPatchRegion | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        api_key: None | str | Unset
        if isinstance(self.api_key, Unset):
            api_key = UNSET
        else:
            api_key = self.api_key

        from_email: None | str | Unset
        if isinstance(self.from_email, Unset):
            from_email = UNSET
        else:
            from_email = self.from_email

        from_name: None | str | Unset
        if isinstance(self.from_name, Unset):
            from_name = UNSET
        else:
            from_name = self.from_name

        region: str | Unset = UNSET
        if not isinstance(self.region, Unset):
            region = self.region.value



        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if api_key is not UNSET:
            field_dict["apiKey"] = api_key
        if from_email is not UNSET:
            field_dict["fromEmail"] = from_email
        if from_name is not UNSET:
            field_dict["fromName"] = from_name
        if region is not UNSET:
            field_dict["region"] = region

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_api_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key = _parse_api_key(d.pop("apiKey", UNSET))


        def _parse_from_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_email = _parse_from_email(d.pop("fromEmail", UNSET))


        def _parse_from_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_name = _parse_from_name(d.pop("fromName", UNSET))


        _region = d.pop("region", UNSET)
        region: SendgridConfigPatchRegion | Unset
        if isinstance(_region,  Unset):
            region = UNSET
        else:
            region = SendgridConfigPatchRegion(_region)




        sendgrid_config_patch = cls(
            api_key=api_key,
            from_email=from_email,
            from_name=from_name,
            region=region,
        )

        return sendgrid_config_patch

