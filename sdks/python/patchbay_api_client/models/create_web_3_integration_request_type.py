from enum import StrEnum

class CreateWeb3IntegrationRequestType(StrEnum):
    WEB3 = "web3"

    def __str__(self) -> str:
        return str(self.value)
