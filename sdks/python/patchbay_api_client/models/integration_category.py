from enum import StrEnum

class IntegrationCategory(StrEnum):
    AI = "ai"
    CHAT = "chat"
    EMAIL = "email"
    WEB3 = "web3"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
