from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.sendgrid_config_view_region import SendgridConfigViewRegion
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SendgridConfigView")



@_attrs_define
class SendgridConfigView:
    """ The non-secret config of a Sendgrid integration.

        Attributes:
            from_email (str): Default sender address (a verified sender in SendGrid).
            from_name (None | str | Unset): Display name of the sender.
            region (SendgridConfigViewRegion | Unset): API region: global (default) or eu.
     """

    from_email: str
    from_name: None | str | Unset = UNSET
    region: SendgridConfigViewRegion | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
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
            "fromEmail": from_email,
        })
        if from_name is not UNSET:
            field_dict["fromName"] = from_name
        if region is not UNSET:
            field_dict["region"] = region

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_email = d.pop("fromEmail")

        def _parse_from_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_name = _parse_from_name(d.pop("fromName", UNSET))


        _region = d.pop("region", UNSET)
        region: SendgridConfigViewRegion | Unset
        if isinstance(_region,  Unset):
            region = UNSET
        else:
            region = SendgridConfigViewRegion(_region)




        sendgrid_config_view = cls(
            from_email=from_email,
            from_name=from_name,
            region=region,
        )

        return sendgrid_config_view

