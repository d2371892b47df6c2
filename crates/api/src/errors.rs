//! Where the use cases' errors become HTTP answers: every mapping from a
//! domain error to a problem is in this file.
//!
//! Policy:
//! - each error variant answers one status, with a detail written here;
//! - a missing resource, whatever the reason (never existed, deleted, a
//!   malformed id, another organization's), answers the same 404 body;
//! - a storage error is logged with its cause for operators and answered
//!   without it (`StoreError` never carries a secret, and its text never
//!   reaches a client): an unavailable database (unreachable, or SQLite
//!   locked past the bound) as 503 with `Retry-After`; secrets that cannot
//!   be opened as a 500 of their own type, `/problems/secrets-unreadable`,
//!   so a client can tell that one integration needs an operator; anything
//!   else as an opaque 500;
//! - validation errors answer 422 with every field path.
//!
//! Handlers return `Result<_, ApiError>` and use `?` on the use cases.

use actix_web::http::header::{self, HeaderValue};
use patchbay_domain::bulk::BulkItemError;
use patchbay_domain::delivery::DeliveryError;
use patchbay_domain::error::group_list;
use patchbay_domain::group::GroupError;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{DomainError, StoreError};

use crate::problem::{ApiError, ProblemKind};

impl ApiError {
    /// The one answer for a missing delivery (see [`ApiError::not_found`]).
    pub fn delivery_not_found() -> Self {
        Self::new(ProblemKind::NotFound, "No such delivery.")
    }

    /// The one answer for a missing integration group, whatever the reason.
    pub fn group_not_found() -> Self {
        Self::new(ProblemKind::NotFound, "No such integration group.")
    }

    /// This server was built without integration groups.
    pub fn groups_disabled() -> Self {
        Self::new(
            ProblemKind::Unavailable,
            "Integration groups are not enabled on this server.",
        )
    }
}

/// What a client is told to wait before repeating a request the database
/// could not serve: a database restart or failover takes seconds, and a
/// sooner repeat would only queue behind the requests already waiting.
const UNAVAILABLE_RETRY_AFTER_SECS: &str = "5";

impl From<StoreError> for ApiError {
    fn from(cause: StoreError) -> Self {
        match cause {
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::unavailable("The database is unavailable; repeat the request later.")
            }
            StoreError::Crypto(_) => {
                // The cause names the integration and the key; only its row fails.
                tracing::error!(error = %cause, "an integration's stored secrets cannot be opened");
                Self::generic(ProblemKind::SecretsUnreadable)
            }
            _ => {
                tracing::error!(error = %cause, "storage error");
                Self::internal()
            }
        }
    }
}

impl ApiError {
    /// 503 with `Retry-After`.
    pub fn unavailable(detail: &'static str) -> Self {
        Self::new(ProblemKind::Unavailable, detail).with_header(
            header::RETRY_AFTER,
            HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER_SECS),
        )
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        Self::validation(e.0.into_iter().map(Into::into).collect())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => Self::not_found(),
            DomainError::Validation(v) => v.into(),
            DomainError::Managed => Self::generic(ProblemKind::Managed),
            DomainError::PreconditionFailed => Self::generic(ProblemKind::PreconditionFailed),
            DomainError::Conflict(message) => Self::new(ProblemKind::Conflict, message),
            DomainError::InUse(groups) => Self::new(
                ProblemKind::InUse,
                format!(
                    "The integration is a member of {}: {}. Remove it from {} first.",
                    if groups.len() == 1 {
                        "an integration group"
                    } else {
                        "integration groups"
                    },
                    group_list(&groups),
                    if groups.len() == 1 { "it" } else { "them" },
                ),
            ),
            DomainError::Store(cause) => cause.into(),
        }
    }
}

impl From<DeliveryError> for ApiError {
    fn from(e: DeliveryError) -> Self {
        match e {
            DeliveryError::IntegrationNotFound => Self::not_found(),
            DeliveryError::DeliveryNotFound => Self::delivery_not_found(),
            DeliveryError::Inactive => Self::generic(ProblemKind::Inactive),
            DeliveryError::CannotSend(slug) => Self::new(
                ProblemKind::Validation,
                format!(
                    "Integrations of type `{slug}` cannot send messages (see the type's capabilities)."
                ),
            ),
            DeliveryError::Invalid(v) => v.into(),
            DeliveryError::KeyReused => Self::new(
                ProblemKind::Validation,
                "This Idempotency-Key was already used with a different request; use a new key.",
            ),
            DeliveryError::InProgress => Self::new(
                ProblemKind::Conflict,
                "A request with this Idempotency-Key is still being processed; repeat it shortly.",
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1")),
            DeliveryError::NotRetryable(state) => Self::new(
                ProblemKind::NotRetryable,
                format!("Only a failed delivery can be retried; this one is {state}."),
            ),
            DeliveryError::InGroupSend(send) => Self::new(
                ProblemKind::NotRetryable,
                format!(
                    "This delivery carries group send {send}; a group's member is not retried by \
                     hand. Send the message to the group again."
                ),
            ),
            DeliveryError::Store(cause) => cause.into(),
        }
    }
}

impl From<GroupError> for ApiError {
    fn from(e: GroupError) -> Self {
        match e {
            GroupError::NotFound => Self::group_not_found(),
            GroupError::SendNotFound => Self::new(ProblemKind::NotFound, "No such group send."),
            GroupError::Invalid(v) => v.into(),
            GroupError::PreconditionFailed => Self::new(
                ProblemKind::PreconditionFailed,
                "The group was changed since the version named in If-Match.",
            ),
            GroupError::Conflict(message) => Self::new(ProblemKind::Conflict, message),
            GroupError::NoUsableMember(reasons) => Self::new(
                ProblemKind::Inactive,
                format!(
                    "No member of the group can send ({reasons}): activate one, or add one that can."
                ),
            ),
            GroupError::KeyReused => DeliveryError::KeyReused.into(),
            GroupError::InProgress => DeliveryError::InProgress.into(),
            GroupError::Store(cause) => cause.into(),
        }
    }
}

/// A bulk item answers what its single send would have.
impl From<BulkItemError> for ApiError {
    fn from(e: BulkItemError) -> Self {
        match e {
            BulkItemError::Delivery(e) => e.into(),
            BulkItemError::Group(e) => e.into(),
            BulkItemError::GroupsDisabled => Self::groups_disabled(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_secrets_have_their_own_problem_type() {
        let cause = StoreError::Crypto(
            "integration int_x: secrets were sealed with key `k0`, which is not in the keyring"
                .into(),
        );
        for e in [
            ApiError::from(DomainError::Store(cause.clone())),
            ApiError::from(DeliveryError::Store(cause)),
        ] {
            assert_eq!(e.problem.status, 500);
            assert_eq!(e.problem.kind, "/problems/secrets-unreadable");
            assert!(!e.problem.detail.contains("k0"), "{}", e.problem.detail);
            assert!(!e.problem.detail.contains("int_x"), "{}", e.problem.detail);
        }
    }

    #[test]
    fn store_errors_are_opaque() {
        let cause = || StoreError::Other("connection to db.internal:5432 refused".into());
        for e in [
            ApiError::from(DomainError::Store(cause())),
            ApiError::from(DeliveryError::Store(cause())),
        ] {
            assert_eq!(e.problem.status, 500);
            assert!(!e.problem.detail.contains("db.internal"));
        }
    }

    #[test]
    fn an_unavailable_database_is_503_with_retry_after() {
        let cause = || StoreError::Unavailable("connection to db.internal:5432 refused".into());
        for e in [
            ApiError::from(DomainError::Store(cause())),
            ApiError::from(DeliveryError::Store(cause())),
            ApiError::from(cause()),
        ] {
            assert_eq!(e.problem.status, 503);
            assert_eq!(e.problem.kind, "/problems/unavailable");
            assert!(!e.problem.detail.contains("db.internal"));
            let res = e.to_response();
            assert_eq!(
                res.headers().get(header::RETRY_AFTER),
                Some(&HeaderValue::from_static(UNAVAILABLE_RETRY_AFTER_SECS))
            );
        }
    }

    #[test]
    fn each_conflict_has_its_own_type() {
        let inactive = ApiError::from(DeliveryError::Inactive).problem;
        assert_eq!(
            (inactive.status, inactive.kind.as_str()),
            (409, "/problems/inactive")
        );
        let delivered = ApiError::from(DeliveryError::NotRetryable("delivered")).problem;
        assert_eq!(
            (delivered.status, delivered.kind.as_str()),
            (409, "/problems/not-retryable")
        );
        assert!(delivered.detail.contains("delivered"), "{delivered:?}");
        let in_progress = ApiError::from(DeliveryError::InProgress).problem;
        assert_eq!(in_progress.kind, "/problems/conflict");
        let raced = ApiError::from(DomainError::Conflict("changed meanwhile".into())).problem;
        assert_eq!(raced.kind, "/problems/conflict");
    }

    #[test]
    fn each_missing_resource_has_one_answer() {
        let integration = ApiError::from(DeliveryError::IntegrationNotFound);
        assert_eq!(
            integration.problem,
            ApiError::from(DomainError::NotFound).problem
        );
        let delivery = ApiError::from(DeliveryError::DeliveryNotFound);
        assert_eq!(delivery.problem.status, 404);
        assert_eq!(delivery.problem.detail, "No such delivery.");
    }
}
