from enum import StrEnum

class TelegramIntegrationDetailType(StrEnum):
    TELEGRAM = "telegram"

    def __str__(self) -> str:
        return str(self.value)
