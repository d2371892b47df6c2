//! Cross-cutting layers: the request log, problem+json for the framework's
//! own errors, and the fallback that answers 404 or 405 with `Allow`.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::metrics::route_label;
use crate::problem::{ApiError, PROBLEM_JSON, ProblemKind};

/// One line per request, and its count and latency in the metrics: method,
/// matched route template (never the raw path, which holds ids), status and
/// latency.
pub(crate) async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    let elapsed = started.elapsed();
    let path = res
        .request()
        .match_pattern()
        .map_or_else(|| "(unmatched)".to_string(), |p| route_label(&p));
    let status = res.status().as_u16();
    if let Some(state) = res.request().app_data::<Data<crate::ApiState>>()
        && let Some(delivery) = &state.delivery
    {
        delivery
            .http
            .request(method.as_str(), &path, status, elapsed);
    }
    // Microsecond resolution, printed without float noise.
    let latency_ms = elapsed.as_micros() as f64 / 1000.0;
    if status >= 500 {
        tracing::warn!(method = %method, path = %path, status, latency_ms, "request");
    } else {
        tracing::info!(method = %method, path = %path, status, latency_ms, "request");
    }
    Ok(res)
}

fn is_problem(res: &ServiceResponse<BoxBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// Rewrites any error response that is not already problem+json (the
/// framework's own, a library's) into one, keeping `Allow`,
/// `WWW-Authenticate` and `Retry-After`.
pub(crate) async fn problem_details(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // (The request must not be cloned before routing, which needs it
    // unshared; inner services answer errors as responses, not `Err`.)
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&res) {
        return Ok(res);
    }
    if status.is_server_error()
        && let Some(e) = res.response().error()
    {
        tracing::error!(error = %e, "unhandled error");
    }
    let (req, old) = res.into_parts();
    let mut new = ApiError::generic(ProblemKind::from_status(status)).to_response();
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = old.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    Ok(ServiceResponse::new(req, new))
}

/// The routes the app serves and their methods, taken from the OpenAPI
/// document (so the two cannot drift), for 405 answers.
pub(crate) struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    /// `doc`'s paths carry the mount's prefix already; the docs page's do
    /// not, so `prefix` is put before them.
    pub(crate) fn from_openapi(doc: &OpenApi, prefix: &str) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
            let mut methods = Vec::new();
            for (op, method) in [
                (&item.get, Method::GET),
                (&item.post, Method::POST),
                (&item.put, Method::PUT),
                (&item.patch, Method::PATCH),
                (&item.delete, Method::DELETE),
            ] {
                if op.is_some() {
                    methods.push(method);
                }
            }
            routes.push((ResourceDef::new(path.as_str()), methods));
        }
        for path in [
            crate::DOCS_PATH,
            crate::DOCS_FILES,
            crate::console::CONSOLE_PATH,
            crate::console::CONSOLE_FILES,
        ] {
            routes.push((
                ResourceDef::new(format!("{prefix}{path}")),
                vec![Method::GET],
            ));
        }
        Self(routes)
    }

    /// The methods some route serves at this path (empty: no route). A
    /// static route shadows dynamic ones (`/api/integrations/test` is not an
    /// `{integrationId}`).
    fn allowed(&self, path: &str) -> Vec<Method> {
        let matching: Vec<&(ResourceDef, Vec<Method>)> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .collect();
        let exact = matching
            .iter()
            .any(|(def, _)| !def.pattern().is_some_and(|p| p.contains('{')));
        let mut allowed: Vec<Method> = Vec::new();
        for (def, methods) in matching {
            if !exact || !def.pattern().is_some_and(|p| p.contains('{')) {
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m.clone());
                    }
                }
            }
        }
        allowed
    }
}

/// Requests no route took: 405 with `Allow` when the path exists under
/// another method, 404 otherwise.
pub(crate) async fn fallback(req: HttpRequest, routes: Data<RouteTable>) -> HttpResponse {
    let allowed = routes.allowed(req.path());
    if allowed.is_empty() {
        return ApiError::new(ProblemKind::NotFound, "No such resource.").to_response();
    }
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let detail = format!("This resource supports only {allow}.");
    let mut res = ApiError::new(ProblemKind::MethodNotAllowed, detail).to_response();
    if let Ok(v) = HeaderValue::from_str(&allow) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// `/docs` → `/docs/`, where the Swagger UI is served.
pub(crate) async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, format!("{}/", crate::DOCS_PATH)))
        .finish()
}
