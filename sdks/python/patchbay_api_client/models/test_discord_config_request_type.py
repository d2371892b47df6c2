from enum import StrEnum

class TestDiscordConfigRequestType(StrEnum):
    DISCORD = "discord"

    def __str__(self) -> str:
        return str(self.value)
