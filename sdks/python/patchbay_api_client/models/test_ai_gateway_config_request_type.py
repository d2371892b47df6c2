from enum import StrEnum

class TestAiGatewayConfigRequestType(StrEnum):
    AI_GATEWAY = "ai-gateway"

    def __str__(self) -> str:
        return str(self.value)
