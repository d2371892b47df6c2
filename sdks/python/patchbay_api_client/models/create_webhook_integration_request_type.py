from enum import StrEnum

class CreateWebhookIntegrationRequestType(StrEnum):
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
