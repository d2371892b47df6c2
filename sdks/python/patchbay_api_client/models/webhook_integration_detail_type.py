from enum import StrEnum

class WebhookIntegrationDetailType(StrEnum):
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
