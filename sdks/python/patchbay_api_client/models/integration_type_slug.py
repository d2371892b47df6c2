from enum import StrEnum

class IntegrationTypeSlug(StrEnum):
    AI_GATEWAY = "ai-gateway"
    DISCORD = "discord"
    RESEND = "resend"
    SENDGRID = "sendgrid"
    SLACK = "slack"
    TELEGRAM = "telegram"
    WEB3 = "web3"
    WEBHOOK = "webhook"

    def __str__(self) -> str:
        return str(self.value)
