from enum import StrEnum

class AiGatewayIntegrationDetailType(StrEnum):
    AI_GATEWAY = "ai-gateway"

    def __str__(self) -> str:
        return str(self.value)
