from enum import StrEnum

class TelegramConfigParseMode(StrEnum):
    HTML = "HTML"
    MARKDOWNV2 = "MarkdownV2"

    def __str__(self) -> str:
        return str(self.value)
