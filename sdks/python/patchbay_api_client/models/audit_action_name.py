from enum import StrEnum

class AuditActionName(StrEnum):
    INTEGRATION_CREATED = "integration.created"
    INTEGRATION_DELETED = "integration.deleted"
    INTEGRATION_STATUS_CHANGED = "integration.status_changed"
    INTEGRATION_TESTED = "integration.tested"
    INTEGRATION_UPDATED = "integration.updated"
    PROVISIONING_APPLIED = "provisioning.applied"

    def __str__(self) -> str:
        return str(self.value)
