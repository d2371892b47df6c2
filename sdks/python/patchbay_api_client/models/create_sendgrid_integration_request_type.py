from enum import StrEnum

class CreateSendgridIntegrationRequestType(StrEnum):
    SENDGRID = "sendgrid"

    def __str__(self) -> str:
        return str(self.value)
