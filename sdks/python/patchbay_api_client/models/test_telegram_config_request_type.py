from enum import StrEnum

class TestTelegramConfigRequestType(StrEnum):
    TELEGRAM = "telegram"

    def __str__(self) -> str:
        return str(self.value)
