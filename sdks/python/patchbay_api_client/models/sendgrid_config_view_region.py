from enum import StrEnum

class SendgridConfigViewRegion(StrEnum):
    EU = "eu"
    GLOBAL = "global"

    def __str__(self) -> str:
        return str(self.value)
