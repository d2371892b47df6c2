from enum import StrEnum

class TestResendConfigRequestType(StrEnum):
    RESEND = "resend"

    def __str__(self) -> str:
        return str(self.value)
