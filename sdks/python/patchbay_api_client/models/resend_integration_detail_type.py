from enum import StrEnum

class ResendIntegrationDetailType(StrEnum):
    RESEND = "resend"

    def __str__(self) -> str:
        return str(self.value)
