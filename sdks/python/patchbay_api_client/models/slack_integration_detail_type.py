from enum import StrEnum

class SlackIntegrationDetailType(StrEnum):
    SLACK = "slack"

    def __str__(self) -> str:
        return str(self.value)
