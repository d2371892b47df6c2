//! CORS for browser clients served from other origins. The operator lists
//! the allowed origins (none by default, so no browser on another origin
//! may call the API). A preflight (`OPTIONS` with
//! `Access-Control-Request-Method`) is answered here, before authentication:
//! a browser never sends credentials with it.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpResponse, ResponseError};

use crate::{ApiError, ProblemKind};

/// Methods a cross-origin request may use.
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
/// Request headers a cross-origin request may send.
const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id";
/// Response headers a browser client may read: the version for `If-Match`,
/// a created resource, when to retry, and the id to quote in a report.
const EXPOSED_HEADERS: &str = "ETag, Location, Retry-After, X-Request-Id";
/// How long a browser may reuse a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The origins allowed to call the API from a browser, exactly as a
/// browser sends them (`https://app.example.com`, scheme and host, with a
/// port when it is not the default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsOrigins(Arc<Vec<String>>);

impl CorsOrigins {
    /// Allow these origins (a trailing `/` is dropped; compared without
    /// regard to case).
    pub fn new(origins: Vec<String>) -> Self {
        Self(Arc::new(
            origins
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_string())
                .collect(),
        ))
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        origin
            .to_str()
            .is_ok_and(|o| self.0.iter().any(|allowed| allowed.eq_ignore_ascii_case(o)))
    }
}

fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// Answers preflights and marks the answers to allowed origins; outside the
/// authentication, inside the request id and the problem rendering.
pub(crate) async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let origins = req
        .app_data::<Data<CorsOrigins>>()
        .map(|d| d.get_ref().clone())
        .unwrap_or_default();
    let origin = req.headers().get(header::ORIGIN).cloned();
    let allowed = origin.as_ref().filter(|o| origins.allows(o)).cloned();
    if is_preflight(&req) {
        let res = match &allowed {
            Some(origin) => HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE))
                .insert_header((header::VARY, "Origin"))
                .finish(),
            None => ApiError::new(
                ProblemKind::Forbidden,
                "This origin may not call the API from a browser.",
            )
            .error_response(),
        };
        return Ok(req.into_response(res));
    }
    // An error (a 401, say) is marked too, so that a browser client can
    // read its problem body.
    match next.call(req).await {
        Ok(res) => {
            let mut res = res.map_into_boxed_body();
            mark(res.headers_mut(), &origins, allowed);
            Ok(res)
        }
        Err(e) => {
            let mut res = e.error_response();
            mark(res.headers_mut(), &origins, allowed);
            Err(InternalError::from_response(e.to_string(), res).into())
        }
    }
}

fn mark(h: &mut HeaderMap, origins: &CorsOrigins, allowed: Option<HeaderValue>) {
    if !origins.0.is_empty() {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(origin) = allowed {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_ignoring_case_and_a_trailing_slash() {
        let o = CorsOrigins::new(vec!["https://app.example.com/".into()]);
        assert!(o.allows(&HeaderValue::from_static("https://app.example.com")));
        assert!(o.allows(&HeaderValue::from_static("https://APP.example.com")));
        assert!(!o.allows(&HeaderValue::from_static("https://app.example.com:8443")));
        assert!(!o.allows(&HeaderValue::from_static("http://app.example.com")));
        assert!(!o.allows(&HeaderValue::from_static("null")));
        assert!(!CorsOrigins::default().allows(&HeaderValue::from_static("https://a.example")));
    }
}
