//! The API inside another actix-web application: every route under a
//! prefix of the host's choosing, authenticated the host's way.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use actix_web::{App, HttpRequest, HttpServer};
//! # use patchbay_api::{ApiError, ApiState, Authenticate, Mount, Principal, ProblemKind};
//! struct HostAuth;
//!
//! #[async_trait::async_trait(?Send)]
//! impl Authenticate for HostAuth {
//!     async fn authenticate(&self, req: &HttpRequest) -> Result<Principal, ApiError> {
//!         // Map the host's own session or gateway header to an organization.
//!         Err(ApiError::new(ProblemKind::Unauthorized, "Sign in first."))
//!     }
//! }
//!
//! # async fn serve(state: ApiState) -> std::io::Result<()> {
//! let mount = Mount::new("/notifications").authenticator(Arc::new(HostAuth));
//! HttpServer::new(move || App::new().service(mount.scope(state.clone())))
//!     .bind(("127.0.0.1", 0))?
//!     .run()
//!     .await
//! # }
//! ```
//!
//! Under the mount, everything the standalone service answers is answered
//! the same way (problem+json, request ids, CORS, limits, the integer-id
//! API at `{prefix}/integrations`), and the OpenAPI document at
//! `{prefix}/api/openapi.json` names every path with the prefix. `Location`
//! headers carry the prefix too. The host's own routes, outside the
//! prefix, are untouched.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::{self, Data};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{ApiKeys, Authenticate, MountPrefix};
use crate::{ApiConfig, ApiState};

/// The app data every mount of the API shares, built from its document.
pub(crate) struct Shared {
    pub(crate) authenticator: Data<dyn Authenticate>,
    pub(crate) doc_json: Data<crate::routes::health::OpenApiJson>,
    pub(crate) route_table: Data<crate::middleware::RouteTable>,
    pub(crate) prefix: Data<MountPrefix>,
}

impl Shared {
    pub(crate) fn new(doc: &OpenApi, prefix: &str, authenticator: Arc<dyn Authenticate>) -> Self {
        let doc_json = doc.to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "serialising the OpenAPI document failed");
            "{}".to_string()
        });
        Self {
            authenticator: Data::from(authenticator),
            doc_json: Data::new(crate::routes::health::OpenApiJson(doc_json)),
            route_table: Data::new(crate::middleware::RouteTable::from_openapi(doc, prefix)),
            prefix: Data::new(MountPrefix(prefix.to_string())),
        }
    }
}

/// The API mounted in a host's actix-web application: a prefix, HTTP
/// limits ([`ApiConfig`]) and how requests are authenticated. Cheap to
/// clone; build one and call [`Mount::scope`] in each worker's app factory.
#[derive(Clone)]
pub struct Mount {
    prefix: String,
    config: ApiConfig,
    authenticator: Option<Arc<dyn Authenticate>>,
}

impl Mount {
    /// Every route under `prefix` (e.g. `/notifications`; a trailing `/`
    /// is dropped, and `""` mounts at the root), with API keys as the
    /// authentication and the default limits.
    pub fn new(prefix: impl Into<String>) -> Self {
        let mut prefix = prefix.into();
        while prefix.ends_with('/') {
            prefix.pop();
        }
        if !prefix.is_empty() && !prefix.starts_with('/') {
            prefix.insert(0, '/');
        }
        Self {
            prefix,
            config: ApiConfig::default(),
            authenticator: None,
        }
    }

    /// With these HTTP limits and knobs.
    pub fn config(mut self, config: ApiConfig) -> Self {
        self.config = config;
        self
    }

    /// Authenticate requests this way instead of with API keys.
    pub fn authenticator(mut self, authenticator: Arc<dyn Authenticate>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The prefix, normalised (`/notifications`, or empty at the root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The OpenAPI document of this mount: every path with the prefix.
    pub fn openapi(&self) -> OpenApi {
        prefixed(crate::openapi(), &self.prefix)
    }

    /// The scope to hand to the host's `App::service`.
    pub fn scope(
        &self,
        state: ApiState,
    ) -> actix_web::Scope<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = actix_web::Error,
            InitError = (),
        > + use<>,
    > {
        let doc = self.openapi();
        let authenticator = self.authenticator.clone().unwrap_or_else(|| {
            Arc::new(ApiKeys::new(
                state.tenants.clone(),
                &self.config,
                state.failed_auth.clone(),
            ))
        });
        let shared = Shared::new(&doc, &self.prefix, authenticator);
        let config = &self.config;
        let swagger = SwaggerUi::new(crate::DOCS_FILES).config(
            utoipa_swagger_ui::Config::new([format!("{}{}", self.prefix, crate::OPENAPI_PATH)])
                .validator_url(crate::SWAGGER_VALIDATOR_OFF),
        );
        web::scope(&self.prefix)
            .configure(|cfg| {
                let mut documented = utoipa_actix_web::service_config::ServiceConfig::new(cfg);
                crate::register(&mut documented);
            })
            .app_data(Data::new(state))
            .app_data(shared.authenticator)
            .app_data(shared.doc_json)
            .app_data(shared.route_table)
            .app_data(shared.prefix)
            .app_data(Data::new(crate::body::BodyLimit(config.max_body_bytes)))
            .app_data(Data::new(config.cors_origins.clone()))
            .app_data(web::PayloadConfig::new(config.max_body_bytes))
            .app_data(web::QueryConfig::default().error_handler(crate::query::query_error))
            .app_data(web::PathConfig::default().error_handler(crate::path_error))
            .route(
                crate::DOCS_PATH,
                web::get().to(crate::middleware::docs_redirect),
            )
            .route("/metrics", web::get().to(crate::routes::metrics::metrics))
            .service(swagger)
            .default_service(web::to(crate::middleware::fallback))
            .wrap(from_fn(crate::auth::authenticate))
            .wrap(from_fn(crate::cors::cors))
            .wrap(from_fn(crate::middleware::problem_details))
            .wrap(from_fn(prefix_location))
            .wrap(from_fn(crate::middleware::log_request))
            .wrap(from_fn(crate::request_id::request_id))
    }

    /// [`Mount::scope`] as an `App::configure` argument.
    pub fn configure(&self, state: ApiState) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
        let scope = self.scope(state);
        move |cfg| {
            cfg.service(scope);
        }
    }
}

/// `doc` with `prefix` before every path.
fn prefixed(mut doc: OpenApi, prefix: &str) -> OpenApi {
    if prefix.is_empty() {
        return doc;
    }
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("{prefix}{path}"), item))
        .collect();
    doc
}

/// The handlers' `Location` headers name paths from the API's root; under
/// a mount they get its prefix.
async fn prefix_location(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let prefix = req
        .app_data::<Data<MountPrefix>>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    let mut res = next.call(req).await?;
    if prefix.is_empty() {
        return Ok(res);
    }
    let headers = res.headers_mut();
    if let Some(location) = headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
        && location.starts_with('/')
        && let Ok(value) = HeaderValue::from_str(&format!("{prefix}{location}"))
    {
        headers.insert(header::LOCATION, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised() {
        assert_eq!(Mount::new("/notify/").prefix(), "/notify");
        assert_eq!(Mount::new("notify").prefix(), "/notify");
        assert_eq!(Mount::new("").prefix(), "");
        assert_eq!(Mount::new("/").prefix(), "");
    }

    #[test]
    fn the_document_names_every_path_with_the_prefix() {
        let doc = Mount::new("/notify").openapi();
        assert!(doc.paths.paths.contains_key("/notify/api/integrations"));
        assert!(doc.paths.paths.contains_key("/notify/integrations/{id}"));
        assert!(doc.paths.paths.keys().all(|p| p.starts_with("/notify/")));
        assert_eq!(doc.paths.paths.len(), crate::openapi().paths.paths.len());
    }
}
