//! Where the use cases' errors become HTTP answers: every mapping from a
//! domain error to a problem is in this file.
//!
//! Policy:
//! - each error variant answers one status, with a detail written here;
//! - a missing resource, whatever the reason (never existed, deleted, a
//!   malformed id, another organization's), answers the same 404 body;
//! - a storage error is logged with its cause for operators and answered as
//!   an opaque 500 (`StoreError` never carries a secret, and its text never
//!   reaches a client);
//! - validation errors answer 422 with every field path.
//!
//! Handlers return `Result<_, ApiError>` and use `?` on the use cases.

use actix_web::http::header::{self, HeaderValue};
use patchbay_domain::delivery::DeliveryError;
use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{DomainError, StoreError};

use crate::problem::{ApiError, ProblemKind};

impl ApiError {
    /// The one answer for a missing delivery (see [`ApiError::not_found`]).
    pub fn delivery_not_found() -> Self {
        Self::new(ProblemKind::NotFound, "No such delivery.")
    }
}

fn storage_failed(cause: &StoreError) -> ApiError {
    tracing::error!(error = %cause, "storage error");
    ApiError::internal()
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
            DomainError::Store(cause) => storage_failed(&cause),
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
            DeliveryError::Store(cause) => storage_failed(&cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
