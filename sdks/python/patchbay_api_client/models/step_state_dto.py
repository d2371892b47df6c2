from enum import StrEnum

class StepStateDto(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    SENDING = "sending"
    UNUSED = "unused"
    WAITING = "waiting"

    def __str__(self) -> str:
        return str(self.value)
