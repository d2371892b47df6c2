from enum import StrEnum

class ApiScope(StrEnum):
    ADMIN = "admin"
    READ = "read"
    TEST = "test"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
