from enum import StrEnum

class GroupStrategy(StrEnum):
    BROADCAST = "broadcast"
    FAILOVER = "failover"

    def __str__(self) -> str:
        return str(self.value)
