from enum import StrEnum

class GroupSendStatusDto(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    PARTIALLY_DELIVERED = "partially_delivered"
    SENDING = "sending"

    def __str__(self) -> str:
        return str(self.value)
