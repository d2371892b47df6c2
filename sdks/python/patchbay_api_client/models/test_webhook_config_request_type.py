from enum import StrEnum

class TestWebhookConfigRequestType(StrEnum):
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
