use crate::ids::GroupId;
use crate::validation::ValidationErrors;

/// What a use case can answer besides success. The API maps each variant to
/// one HTTP status; `Store` is always an opaque internal error to clients.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// No such integration in this organization (also for another
    /// organization's integration: the two must be indistinguishable).
    #[error("not found")]
    NotFound,
    /// The input is invalid: every problem, with its field's path.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// Managed integrations are changed only by operator provisioning.
    #[error("this integration is managed by the operator and cannot be changed through the API")]
    Managed,
    /// `If-Match` named a version that is no longer current.
    #[error("the integration was changed since the given version")]
    PreconditionFailed,
    /// A write raced other writes and gave up; the text says what to do.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Integration groups list the integration (id and name of each): it
    /// cannot be deleted until they no longer do.
    #[error("the integration is a member of integration groups: {}", group_list(.0))]
    InUse(Vec<(GroupId, String)>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A storage failure. The message is for logs; it never holds a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Stored secrets cannot be decrypted with the configured keys, or were
    /// tampered with.
    #[error("stored secrets cannot be decrypted: {0}")]
    Crypto(String),
    /// A unique constraint was violated; the text names what collided.
    #[error("a row with this {0} already exists")]
    Duplicate(&'static str),
    /// A row refers to one that does not exist, or one that is deleted is
    /// still referred to (a foreign key); the text names the relation.
    #[error("a referenced row is missing or still referred to: {0}")]
    Reference(&'static str),
    /// The database or the connection failed (lost, locked, broken); the
    /// request itself may be fine and can be tried again.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Any other storage failure.
    #[error("storage error: {0}")]
    Other(String),
}

/// `grp_… (name), …`: the groups an integration is a member of.
pub fn group_list(groups: &[(GroupId, String)]) -> String {
    groups
        .iter()
        .map(|(id, name)| format!("{id} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}
