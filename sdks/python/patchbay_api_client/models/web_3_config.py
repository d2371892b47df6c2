from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Web3Config")



@_attrs_define
class Web3Config:
    """ 
        Attributes:
            chain_id (int): Expected chain id (1 mainnet, 11155111 Sepolia, ...).
            rpc_url (str): JSON-RPC endpoint URL; stored as a secret because provider URLs embed API keys.
            signer_ref (None | str | Unset): Reference to a key held by a custody/KMS service. Raw private keys are refused.
            wallet_address (None | str | Unset): Wallet address (0x + 40 hex); mixed case must pass the EIP-55 checksum.
     """

    chain_id: int
    rpc_url: str
    signer_ref: None | str | Unset = UNSET
    wallet_address: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        chain_id = self.chain_id

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
            "chainId": chain_id,
            "rpcUrl": rpc_url,
        })
        if signer_ref is not UNSET:
            field_dict["signerRef"] = signer_ref
        if wallet_address is not UNSET:
            field_dict["walletAddress"] = wallet_address

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        chain_id = d.pop("chainId")

        rpc_url = d.pop("rpcUrl")

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


        web_3_config = cls(
            chain_id=chain_id,
            rpc_url=rpc_url,
            signer_ref=signer_ref,
            wallet_address=wallet_address,
        )

        return web_3_config

