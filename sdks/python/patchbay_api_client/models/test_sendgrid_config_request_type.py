from enum import StrEnum

class TestSendgridConfigRequestType(StrEnum):
    SENDGRID = "sendgrid"

    def __str__(self) -> str:
        return str(self.value)
