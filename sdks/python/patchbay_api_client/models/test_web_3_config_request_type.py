from enum import StrEnum

class TestWeb3ConfigRequestType(StrEnum):
    WEB3 = "web3"

    def __str__(self) -> str:
        return str(self.value)
