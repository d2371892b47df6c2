from enum import StrEnum

class IntegrationEnvironment(StrEnum):
    PRODUCTION = "production"
    STAGE = "stage"

    def __str__(self) -> str:
        return str(self.value)
