from enum import StrEnum

class TestSlackConfigRequestType(StrEnum):
    SLACK = "slack"

    def __str__(self) -> str:
        return str(self.value)
