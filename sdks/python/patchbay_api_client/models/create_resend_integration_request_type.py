from enum import StrEnum

class CreateResendIntegrationRequestType(StrEnum):
    RESEND = "resend"

    def __str__(self) -> str:
        return str(self.value)
