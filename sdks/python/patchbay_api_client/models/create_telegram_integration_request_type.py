from enum import StrEnum

class CreateTelegramIntegrationRequestType(StrEnum):
    TELEGRAM = "telegram"

    def __str__(self) -> str:
        return str(self.value)
