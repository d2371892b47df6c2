from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Web3ConfigPatch")



@_attrs_define
class Web3ConfigPatch:
    """ Changes to a Web3 integration's config: a key left out keeps its stored value, `null` removes it.

        Attributes:
            chain_id (int | None | Unset): Expected chain id (1 mainnet, 11155111 Sepolia, ...).
            rpc_url (None | str | Unset): JSON-RPC endpoint URL; stored as a secret because provider URLs embed API keys.
            signer_ref (None | str | Unset): Reference to a key held by a custody/KMS service. Raw private keys are refused.
            wallet_address (None | str | Unset): Wallet address (0x + 40 hex); mixed case must pass the EIP-55 checksum.
     """

    chain_id: int | None | Unset = UNSET
    rpc_url: None | str | Unset = UNSET
    signer_ref: None | str | Unset = UNSET
    wallet_address: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        chain_id: int | None | Unset
        if isinstance(self.chain_id, Unset):
            chain_id = UNSET
        else:
            chain_id = self.chain_id

        rpc_url: None | str | Unset
        if isinstance(self.rpc_url, Unset):
            rpc_url = UNSET
        else:
            rpc_url = self.rpc_url

        signer_ref: None | str | Unset
        if isinstance(self.signer_ref, Unset):
            signer_ref = UNSET
        else:
            signer_ref = self.signer_ref

        wallet_address: None | str | Unset
        if isinstance(self.wallet_address, Unset):
            wallet_address = UNSET
        else:
            wallet_address = self.wallet_address


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if chain_id is not UNSET:
            field_dict["chainId"] = chain_id
        if rpc_url is not UNSET:
            field_dict["rpcUrl"] = rpc_url
        if signer_ref is not UNSET:
            field_dict["signerRef"] = signer_ref
        if wallet_address is not UNSET:
            field_dict["walletAddress"] = wallet_address

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_chain_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        chain_id = _parse_chain_id(d.pop("chainId", UNSET))


        def _parse_rpc_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rpc_url = _parse_rpc_url(d.pop("rpcUrl", UNSET))


        def _parse_signer_ref(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signer_ref = _parse_signer_ref(d.pop("signerRef", UNSET))


        def _parse_wallet_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        wallet_address = _parse_wallet_address(d.pop("walletAddress", UNSET))


        web_3_config_patch = cls(
            chain_id=chain_id,
            rpc_url=rpc_url,
            signer_ref=signer_ref,
            wallet_address=wallet_address,
        )

        return web_3_config_patch

