from enum import StrEnum

class DiscordIntegrationDetailType(StrEnum):
    DISCORD = "discord"

    def __str__(self) -> str:
        return str(self.value)
