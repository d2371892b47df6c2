from enum import StrEnum

class CreateDiscordIntegrationRequestType(StrEnum):
    DISCORD = "discord"

    def __str__(self) -> str:
        return str(self.value)
