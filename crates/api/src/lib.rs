//! Patchbay's HTTP API: actix-web handlers, API key auth, problem+json
//! errors and the OpenAPI document. A library: the binary serves the app
//! ([`app`]) with [`server::serve`]; [`openapi`] is the document it serves.
//!
//! The API maps HTTP to the domain's use cases and nothing more: no SQL and
//! no provider logic here.

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub mod auth;
pub mod auth_failures;
mod body;
pub mod client_addr;
mod connection;
pub mod console;
pub mod cors;
pub mod dto;
mod errors;
pub mod etag;
pub mod integer_id_api;
pub mod metrics;
mod middleware;
pub mod mount;
pub mod problem;
mod process_metrics;
mod query;
pub mod request_id;
pub mod routes;
pub mod server;
mod strict_json;
mod typed_configs;

pub use auth::{ApiKeys, Authenticate, Principal};
pub use auth_failures::FailedAuthentications;
pub use client_addr::{AddrRange, TrustedProxies};
pub use cors::CorsOrigins;
pub use mount::Mount;
pub use problem::{ApiError, PROBLEM_JSON, Problem, ProblemFieldError, ProblemKind};

/// Where the OpenAPI document is served (no API key needed).
pub const OPENAPI_PATH: &str = "/api/openapi.json";
/// Where the interactive docs page is served (assets embedded: works offline).
pub const DOCS_PATH: &str = "/docs";
/// The route of the docs page's files (named, so that its metrics label
/// reads `/docs/{file}`).
const DOCS_FILES: &str = "/docs/{file:.*}";
/// Swagger UI's `validatorUrl` value that turns its online validator off.
const SWAGGER_VALIDATOR_OFF: &str = "none";

/// What the handlers need: the use cases and the tenant store (API keys).
#[derive(Clone)]
pub struct ApiState {
    pub integrations: patchbay_domain::IntegrationService,
    pub tenants: Arc<dyn patchbay_domain::TenantStore>,
    /// Sending and deliveries; `None` answers their endpoints with 503.
    pub delivery: Option<routes::deliveries::DeliveryApi>,
    /// Refused API keys, shared by every worker so that the per-address
    /// limit holds whichever worker a request reaches.
    pub failed_auth: Arc<FailedAuthentications>,
}

/// HTTP-level limits and knobs.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Larger request bodies answer 413.
    pub max_body_bytes: usize,
    /// How long a verified API key is trusted without a store lookup (per
    /// worker). A revoked key keeps working for at most this long; zero
    /// disables the cache.
    pub auth_cache_ttl: Duration,
    /// Refused API keys a client address may present within
    /// `auth_failure_window`; past that, its requests that need a key
    /// answer 429 until the window ends. Zero turns the limit off.
    pub auth_failure_limit: u32,
    pub auth_failure_window: Duration,
    /// Proxies whose `X-Forwarded-For` names the client; by default none,
    /// and the peer address is the client.
    pub trusted_proxies: TrustedProxies,
    /// Origins whose browser pages may call the API (CORS); none by default.
    pub cors_origins: CorsOrigins,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            auth_cache_ttl: Duration::from_secs(10),
            auth_failure_limit: 20,
            auth_failure_window: Duration::from_secs(60),
            trusted_proxies: TrustedProxies::default(),
            cors_origins: CorsOrigins::default(),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Patchbay API",
        description = "Manage integrations for notifications and external services: \
            register provider credentials (stored encrypted, never returned), test them, \
            and browse the type catalogue.\n\n\
            Every `/api` operation except this document needs an API key: \
            `Authorization: Bearer pbk_...`. Errors are RFC 9457 `application/problem+json`.\n\n\
            Every response carries an `X-Request-Id` header (the client's own when it sends \
            1 to 128 visible ASCII characters, else a generated one); problem bodies repeat it \
            as `requestId`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "integrations", description = "Integrations of an organization: credentials and settings for one provider each."),
        (name = "deliveries", description = "Sending messages through integrations, and the deliveries that carry them."),
        (name = "integration-groups", description = "Ordered groups of integrations that one message is sent to: `failover` (one member delivers; the next takes over when the current one fails permanently or does not deliver within the group's bounds) or `broadcast` (every member)."),
        (name = "integration-types", description = "The catalogue of supported types and the JSON Schema of each type's config."),
        (name = "integer-id-integrations", description = "The same integrations at `/integrations`, addressed by integers: types by their catalogue id, integrations by their sequence number; config fields in snake_case under `data`; secrets replaced only with `changeKeys`."),
        (name = "audit", description = "The audit trail: who changed which integration, and when (field names, never values)."),
        (name = "auth", description = "The API key a request presents: its organization and scopes."),
        (name = "health", description = "Liveness and readiness probes."),
        (name = "meta", description = "This document."),
    ),
    components(schemas(problem::Problem, problem::ProblemFieldError)),
    modifiers(&SecurityAddon),
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pbk_...")
                    .description(Some(
                        "An API key (`pbk_` + 43 characters). Scopes: `read` for GET, \
                         `write` for create/update/delete, `test` for credential tests; \
                         `admin` grants all.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The documented routes, and the document collected from them.
fn routes() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(base_document())
        .configure(register)
        .split_for_parts();
    (app, finish_document(doc))
}

fn base_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // The crate version, not the package metadata, names the API version.
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

fn finish_document(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    polish(&mut doc);
    typed_configs::add(&mut doc);
    doc
}

/// Every documented route, in matching order; the app and a mount
/// ([`mount::Mount`]) both register them from here.
fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::integrations::list_integrations)
        .service(routes::integrations::create_integration)
        // Before `/api/integrations/{integrationId}`, so that `test` is never
        // taken for an id: other methods on this path answer 405.
        .service(routes::integrations::test_integration_config)
        .route(
            "/api/integrations/test",
            web::route().to(middleware::fallback),
        )
        .service(routes::integrations::get_integration)
        .service(routes::integrations::update_integration)
        .service(routes::integrations::delete_integration)
        .service(routes::integrations::test_integration)
        .service(routes::deliveries::send_message)
        .service(routes::deliveries::list_deliveries)
        // Before `/api/deliveries/{deliveryId}`, so that `bulk` is never
        // taken for an id: other methods on this path answer 405.
        .service(routes::bulk::send_bulk)
        .route(
            "/api/deliveries/bulk",
            web::route().to(middleware::fallback),
        )
        .service(routes::deliveries::get_delivery)
        .service(routes::deliveries::retry_delivery)
        .service(routes::deliveries::get_integration_health)
        .service(routes::groups::list_groups)
        .service(routes::groups::create_group)
        .service(routes::groups::get_group)
        .service(routes::groups::update_group)
        .service(routes::groups::delete_group)
        .service(routes::groups::send_to_group)
        .service(routes::groups::get_group_send)
        .service(integer_id_api::handlers::list_integer_id_integrations)
        .service(integer_id_api::handlers::create_integer_id_integration)
        .service(integer_id_api::handlers::get_integer_id_integration)
        .service(integer_id_api::handlers::update_integer_id_integration)
        .service(integer_id_api::handlers::delete_integer_id_integration)
        .service(integer_id_api::handlers::set_integer_id_integration_status)
        .service(routes::audit::list_audit_events)
        .service(routes::me::get_current_key)
        .service(routes::types::list_integration_types)
        .service(routes::types::get_integration_type)
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(routes::health::openapi_json);
}

/// The OpenAPI document served at `/api/openapi.json`. Deterministic: the
/// committed `openapi/openapi.json` is compared against it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// `*`, or a comma-separated list of (weak or strong) entity tags.
const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$"#;

/// The answer of every keyed operation to an address over its limit of
/// refused API keys (documented once here rather than on each handler).
fn too_many_refused_keys() -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(
            "Too many refused API keys from this client address: every request \
             that needs a key answers 429 until the window ends.",
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Seconds until the address may try again."))
                .build(),
        )
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// The `503` of an operation that reads the database (every one that needs
/// an API key, whose lookup does): the database did not answer in time.
fn database_unavailable() -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, header::HeaderBuilder};
    ResponseBuilder::new()
        .description("The database is unavailable; repeat the request after `Retry-After` seconds.")
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some("Seconds to wait before repeating the request."))
                .build(),
        )
        .build()
        .into()
}

/// What the path macros cannot say: optional `If-Match` headers, the
/// optional body of `testIntegration`, the 429 of keyed operations, and
/// the `503` every operation that reads the database can answer.
fn polish(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, Required};
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for p in op.parameters.iter_mut().flatten() {
                if p.parameter_in == ParameterIn::Header && p.name == "If-Match" {
                    p.required = Required::False;
                    // `*` or a list of entity tags (RFC 9110); anything else is a 400.
                    p.schema = Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .pattern(Some(IF_MATCH_PATTERN))
                            .into(),
                    );
                }
            }
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                op.responses
                    .responses
                    .entry("429".to_string())
                    .or_insert_with(|| RefOr::T(too_many_refused_keys()));
            }
            if op.operation_id.as_deref() == Some("testIntegration")
                && let Some(body) = op.request_body.as_mut()
            {
                body.required = Some(Required::False);
            }
            let responses = &mut op.responses.responses;
            if responses.contains_key("401") || responses.contains_key("500") {
                // Described by hand where the operation has another 503.
                responses
                    .entry("503".to_string())
                    .or_insert_with(database_unavailable);
            }
        }
    }
}

fn path_error(_: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ProblemKind::NotFound, "No such resource.").into()
}

/// The whole application, middleware included. Call once per worker:
/// `HttpServer::new(move || patchbay_api::app(state.clone(), config.clone()))`.
/// To serve the API inside another actix-web application, under a prefix
/// and with its own authentication, see [`mount::Mount`].
pub fn app(
    state: ApiState,
    config: ApiConfig,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = routes();
    let authenticator: Arc<dyn auth::Authenticate> = Arc::new(auth::ApiKeys::new(
        state.tenants.clone(),
        &config,
        state.failed_auth.clone(),
    ));
    let shared = mount::Shared::new(&doc, "", authenticator);
    // Swagger UI sends the document's URL to validator.swagger.io unless
    // told not to: the page must reach no host but this service.
    let swagger = SwaggerUi::new(DOCS_FILES).config(
        utoipa_swagger_ui::Config::new([OPENAPI_PATH]).validator_url(SWAGGER_VALIDATOR_OFF),
    );
    app.app_data(Data::new(state))
        .app_data(shared.authenticator)
        .app_data(shared.doc_json)
        .app_data(shared.route_table)
        .app_data(shared.prefix)
        .app_data(Data::new(body::BodyLimit(config.max_body_bytes)))
        .app_data(Data::new(config.cors_origins.clone()))
        .app_data(web::PayloadConfig::new(config.max_body_bytes))
        .app_data(web::QueryConfig::default().error_handler(query::query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .route(DOCS_PATH, web::get().to(middleware::docs_redirect))
        .route(console::CONSOLE_PATH, web::get().to(console::redirect))
        .route(console::CONSOLE_FILES, web::get().to(console::file))
        .route("/metrics", web::get().to(routes::metrics::metrics))
        .service(swagger)
        .default_service(web::to(middleware::fallback))
        .wrap(from_fn(auth::authenticate))
        // Outside the authentication: a preflight carries no API key.
        .wrap(from_fn(cors::cors))
        .wrap(from_fn(middleware::problem_details))
        .wrap(from_fn(middleware::log_request))
        .wrap(from_fn(request_id::request_id))
}
