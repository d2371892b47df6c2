//! The handlers, one module per resource. Each maps HTTP to one use case:
//! no SQL and no provider logic here.

pub mod audit;
pub mod bulk;
pub mod deliveries;
pub mod groups;
pub mod health;
pub mod integrations;
pub mod me;
pub mod metrics;
pub mod types;

use patchbay_domain::service::{ListRequest, MAX_PAGE_LIMIT};
use patchbay_domain::{Environment, IntegrationType, Status};

use crate::problem::{ApiError, ProblemFieldError};

pub(crate) fn invalid(errors: &mut Vec<ProblemFieldError>, field: &str, message: String) {
    errors.push(ProblemFieldError {
        field: field.to_string(),
        message,
    });
}

/// The `limit` query parameter of the paged lists: 1 to `MAX_PAGE_LIMIT`.
pub(crate) fn page_limit(raw: Option<&str>, errors: &mut Vec<ProblemFieldError>) -> Option<u32> {
    raw.and_then(|s| match s.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE_LIMIT).contains(&n) => Some(n),
        _ => {
            invalid(
                errors,
                "limit",
                format!("must be an integer between 1 and {MAX_PAGE_LIMIT}"),
            );
            None
        }
    })
}

/// The `status` filter of the integration lists.
pub(crate) fn status_filter(
    raw: Option<&str>,
    errors: &mut Vec<ProblemFieldError>,
) -> Option<Status> {
    raw.and_then(|s| {
        let v = Status::parse(s);
        if v.is_none() {
            invalid(errors, "status", "must be one of: active, inactive".into());
        }
        v
    })
}

/// The `environment` filter of the integration lists.
pub(crate) fn environment_filter(
    raw: Option<&str>,
    errors: &mut Vec<ProblemFieldError>,
) -> Option<Environment> {
    raw.and_then(|s| {
        let v = Environment::parse(s);
        if v.is_none() {
            invalid(
                errors,
                "environment",
                "must be one of: stage, production".into(),
            );
        }
        v
    })
}

/// The filters both integration lists share (`status`, `environment`,
/// `limit`, `cursor`), with the type already read in each API's own terms
/// (its problems in `errors`): every invalid parameter is reported at once.
pub(crate) fn integration_list(
    kind: Option<IntegrationType>,
    status: Option<&str>,
    environment: Option<&str>,
    limit: Option<&str>,
    cursor: Option<String>,
    mut errors: Vec<ProblemFieldError>,
) -> Result<ListRequest, ApiError> {
    let status = status_filter(status, &mut errors);
    let environment = environment_filter(environment, &mut errors);
    let limit = page_limit(limit, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(ListRequest {
        kind,
        status,
        environment,
        cursor,
        limit,
    })
}
