from enum import StrEnum

class CreateSlackIntegrationRequestType(StrEnum):
    SLACK = "slack"

    def __str__(self) -> str:
        return str(self.value)
