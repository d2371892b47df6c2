//! RFC 9457 problem details: the one error shape of the API.
//!
//! Every error the service answers, its own and actix-web's, is an
//! `application/problem+json` body `{type, title, status, detail, errors?,
//! requestId}`. A problem's text is written here or in `crate::errors`, never copied
//! from a request value, a storage error or a provider response, so no
//! secret can reach a client through an error.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use patchbay_domain::validation::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "The request has 1 invalid field.",
    "errors": [{"field": "config.webhookUrl", "message": "is required"}],
    "requestId": "4bf92f3577b34da6a3ce929d0e0e4736"
}))]
pub struct Problem {
    /// A stable identifier of the kind of problem (a URI reference); clients
    /// switch on this rather than on `title` or `detail`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong in this occurrence, for humans.
    pub detail: String,
    /// Every invalid field, with its path (`config.webhookUrl`,
    /// `clearedConfigKeys[0]`); present on validation problems only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<ProblemFieldError>>,
    /// The request's id, as in its `X-Request-Id` response header (the
    /// client's own when it sent a usable one): quote it when reporting a
    /// problem. Present on every problem this service answers.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 128,
        pattern = "^[!-~]+$"
    )]
    pub request_id: Option<String>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemFieldError {
    /// Path of the field: `name`, `config.webhookUrl`, `clearedConfigKeys[1]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl From<FieldError> for ProblemFieldError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: e.message,
        }
    }
}

/// The kinds of problem this API answers: each has one `type`, one title and
/// one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The request cannot be understood (400).
    BadRequest,
    /// No usable credentials (401, with `WWW-Authenticate`).
    Unauthorized,
    /// The caller's scopes do not allow the operation (403).
    Forbidden,
    /// No such resource, or not the caller's (404).
    NotFound,
    /// The resource does not support the method (405, with `Allow`).
    MethodNotAllowed,
    /// No representation the client accepts (406).
    NotAcceptable,
    /// Changing or deleting an integration the operator manages (409).
    Managed,
    /// Sending through an integration whose status is not `active`.
    Inactive,
    /// Retrying a delivery that has not failed.
    NotRetryable,
    /// Deleting an integration that an integration group still lists.
    InUse,
    /// Too many concurrent changes, or a request still being processed:
    /// repeating it is the remedy.
    Conflict,
    /// `If-Match` named a version that is no longer current (412).
    PreconditionFailed,
    /// The request's head did not arrive in time (answered by the HTTP
    /// layer; see `connection`).
    RequestTimeout,
    /// The body is over the size limit (413).
    PayloadTooLarge,
    /// The request's head is over the HTTP layer's limits.
    HeadersTooLarge,
    /// The body is not JSON (415).
    UnsupportedMediaType,
    /// Invalid fields, each listed in `errors` (422).
    Validation,
    /// Too many requests (429): refused API keys from one address, past the
    /// limit.
    TooManyRequests,
    /// Anything the server got wrong (500); the detail says nothing more.
    Internal,
    /// An integration's stored secrets cannot be decrypted with the
    /// server's keys (a 500 of its own: an operator must act, and a client
    /// can tell it from a passing fault).
    SecretsUnreadable,
    /// The database does not answer, or a feature is not enabled on this
    /// server (503).
    Unavailable,
    /// Any other status, answered by the framework.
    Other(StatusCode),
}

impl ProblemKind {
    /// The HTTP status this kind answers with.
    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::BadRequest => StatusCode::BAD_REQUEST,
            ProblemKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ProblemKind::Managed
            | ProblemKind::Inactive
            | ProblemKind::NotRetryable
            | ProblemKind::InUse
            | ProblemKind::Conflict => StatusCode::CONFLICT,
            ProblemKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ProblemKind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::Internal | ProblemKind::SecretsUnreadable => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ProblemKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Other(s) => s,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            ProblemKind::BadRequest => "bad-request",
            ProblemKind::Unauthorized => "unauthorized",
            ProblemKind::Forbidden => "forbidden",
            ProblemKind::NotFound => "not-found",
            ProblemKind::MethodNotAllowed => "method-not-allowed",
            ProblemKind::NotAcceptable => "not-acceptable",
            ProblemKind::Managed => "managed",
            ProblemKind::Inactive => "inactive",
            ProblemKind::NotRetryable => "not-retryable",
            ProblemKind::InUse => "in-use",
            ProblemKind::Conflict => "conflict",
            ProblemKind::PreconditionFailed => "precondition-failed",
            ProblemKind::RequestTimeout => "request-timeout",
            ProblemKind::PayloadTooLarge => "payload-too-large",
            ProblemKind::HeadersTooLarge => "headers-too-large",
            ProblemKind::UnsupportedMediaType => "unsupported-media-type",
            ProblemKind::Validation => "validation",
            ProblemKind::TooManyRequests => "too-many-requests",
            ProblemKind::Internal => "internal",
            ProblemKind::SecretsUnreadable => "secrets-unreadable",
            ProblemKind::Unavailable => "unavailable",
            ProblemKind::Other(_) => "http",
        }
    }

    /// The problem's `type`: `/problems/<slug>`.
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// The problem's `title`: the same for every occurrence.
    pub fn title(self) -> &'static str {
        match self {
            ProblemKind::BadRequest => "Bad request",
            ProblemKind::Unauthorized => "Unauthorized",
            ProblemKind::Forbidden => "Forbidden",
            ProblemKind::NotFound => "Not found",
            ProblemKind::MethodNotAllowed => "Method not allowed",
            ProblemKind::NotAcceptable => "Not acceptable",
            ProblemKind::Managed => "Managed integration",
            ProblemKind::Inactive => "Integration inactive",
            ProblemKind::NotRetryable => "Delivery not retryable",
            ProblemKind::InUse => "Integration in use",
            ProblemKind::Conflict => "Conflict",
            ProblemKind::PreconditionFailed => "Precondition failed",
            ProblemKind::RequestTimeout => "Request timeout",
            ProblemKind::PayloadTooLarge => "Payload too large",
            ProblemKind::HeadersTooLarge => "Request header fields too large",
            ProblemKind::UnsupportedMediaType => "Unsupported media type",
            ProblemKind::Validation => "Validation failed",
            ProblemKind::TooManyRequests => "Too many requests",
            ProblemKind::Internal => "Internal server error",
            ProblemKind::SecretsUnreadable => "Secrets cannot be opened",
            ProblemKind::Unavailable => "Service unavailable",
            ProblemKind::Other(s) => s.canonical_reason().unwrap_or("Error"),
        }
    }

    /// The kind for a bare status (used for the framework's own errors).
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ProblemKind::BadRequest,
            401 => ProblemKind::Unauthorized,
            403 => ProblemKind::Forbidden,
            404 => ProblemKind::NotFound,
            405 => ProblemKind::MethodNotAllowed,
            406 => ProblemKind::NotAcceptable,
            409 => ProblemKind::Conflict,
            408 => ProblemKind::RequestTimeout,
            412 => ProblemKind::PreconditionFailed,
            413 => ProblemKind::PayloadTooLarge,
            431 => ProblemKind::HeadersTooLarge,
            415 => ProblemKind::UnsupportedMediaType,
            422 => ProblemKind::Validation,
            429 => ProblemKind::TooManyRequests,
            500 => ProblemKind::Internal,
            503 => ProblemKind::Unavailable,
            _ => ProblemKind::Other(status),
        }
    }

    /// A detail for when nothing more specific is known.
    pub fn generic_detail(self) -> &'static str {
        match self {
            ProblemKind::BadRequest => "The request could not be understood.",
            ProblemKind::Unauthorized => "A valid API key is required.",
            ProblemKind::Forbidden => "This API key may not do that.",
            ProblemKind::NotFound => "No such resource.",
            ProblemKind::MethodNotAllowed => "This resource does not support that method.",
            ProblemKind::NotAcceptable => "No acceptable representation is available.",
            ProblemKind::Managed => {
                "This integration is managed by the operator and cannot be changed through the API."
            }
            ProblemKind::Inactive => {
                "The integration is inactive: set its status to active to send through it."
            }
            ProblemKind::NotRetryable => "Only a failed delivery can be retried.",
            ProblemKind::InUse => {
                "The integration is a member of an integration group: remove it from the group first."
            }
            ProblemKind::Conflict => "The request conflicts with the current state.",
            ProblemKind::PreconditionFailed => {
                "The integration was changed since the version named in If-Match."
            }
            ProblemKind::RequestTimeout => "The request was not received in time.",
            ProblemKind::PayloadTooLarge => "The request body is too large.",
            ProblemKind::HeadersTooLarge => "The request's headers are too large.",
            ProblemKind::UnsupportedMediaType => {
                "The request body must be JSON (Content-Type: application/json)."
            }
            ProblemKind::Validation => "The request is invalid.",
            ProblemKind::TooManyRequests => "Too many requests: try again later.",
            ProblemKind::Internal => "An internal error occurred.",
            ProblemKind::SecretsUnreadable => {
                "This integration's stored secrets cannot be decrypted with the server's keys. \
                 An operator must restore the key that sealed them (the server log names the \
                 integration and the key). Other integrations are not affected."
            }
            ProblemKind::Unavailable => "The service is temporarily unavailable.",
            ProblemKind::Other(_) => "The request failed.",
        }
    }
}

/// An error answered as a problem, with any extra headers it needs
/// (`WWW-Authenticate`, `Allow`).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// Boxed: errors travel in `Result`s on every path, so keep them small.
    pub problem: Box<Problem>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A problem of `kind` with this detail.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            problem: Box::new(Problem {
                kind: kind.type_uri(),
                title: kind.title().to_string(),
                status: kind.status().as_u16(),
                detail: detail.into(),
                errors: None,
                request_id: None,
            }),
            headers: Vec::new(),
        }
    }

    /// A problem of `kind` with its generic detail.
    pub fn generic(kind: ProblemKind) -> Self {
        Self::new(kind, kind.generic_detail())
    }

    /// The one answer for a missing integration, whatever the reason (never
    /// existed, deleted, malformed id, another organization's): identical
    /// bodies, so a client cannot tell them apart.
    pub fn not_found() -> Self {
        Self::new(ProblemKind::NotFound, "No such integration.")
    }

    /// The opaque 500.
    pub fn internal() -> Self {
        Self::generic(ProblemKind::Internal)
    }

    /// A 422 listing every invalid field.
    pub fn validation(errors: Vec<ProblemFieldError>) -> Self {
        let detail = match errors.len() {
            1 => "The request has 1 invalid field.".to_string(),
            n => format!("The request has {n} invalid fields."),
        };
        let mut e = Self::new(ProblemKind::Validation, detail);
        e.problem.errors = Some(errors);
        e
    }

    /// A 422 for one invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![ProblemFieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The `application/problem+json` answer, with the request's id and the
    /// extra headers.
    pub fn to_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        for (name, value) in &self.headers {
            res.insert_header((name.clone(), value.clone()));
        }
        let problem = Problem {
            request_id: crate::request_id::current(),
            ..(*self.problem).clone()
        };
        // A problem always serialises; the fallback keeps the type honest.
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        res.body(body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.problem.title, self.problem.status, self.problem.detail
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_its_status() {
        for kind in [
            ProblemKind::BadRequest,
            ProblemKind::Unauthorized,
            ProblemKind::Forbidden,
            ProblemKind::NotFound,
            ProblemKind::MethodNotAllowed,
            ProblemKind::PreconditionFailed,
            ProblemKind::RequestTimeout,
            ProblemKind::PayloadTooLarge,
            ProblemKind::HeadersTooLarge,
            ProblemKind::UnsupportedMediaType,
            ProblemKind::Validation,
            ProblemKind::TooManyRequests,
            ProblemKind::Internal,
        ] {
            assert_eq!(ProblemKind::from_status(kind.status()), kind);
        }
    }

    #[test]
    fn errors_member_only_on_validation() {
        let plain = serde_json::to_value(ApiError::not_found().problem).unwrap();
        assert!(plain.get("errors").is_none());
        let v = serde_json::to_value(ApiError::field("name", "is required").problem).unwrap();
        assert_eq!(v["errors"][0]["field"], "name");
        assert_eq!(v["status"], 422);
    }
}
