from enum import StrEnum

class Web3IntegrationDetailType(StrEnum):
    WEB3 = "web3"

    def __str__(self) -> str:
        return str(self.value)
