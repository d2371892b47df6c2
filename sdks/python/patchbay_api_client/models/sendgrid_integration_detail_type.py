from enum import StrEnum

class SendgridIntegrationDetailType(StrEnum):
    SENDGRID = "sendgrid"

    def __str__(self) -> str:
        return str(self.value)
