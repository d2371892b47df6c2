//! Authentication and scopes: API keys by default, or the embedding
//! service's own [`Authenticate`] where the API is mounted in its app.
//!
//! A middleware authenticates every `/api` request before routing and body
//! parsing, so an unauthenticated client learns nothing from body errors.
//! The hot path is one SHA-256 of the presented key and a map lookup:
//! positive lookups are cached per worker for `auth_cache_ttl` (so a revoked
//! key stops working within that time). Handlers then demand a scope with an
//! `Authorized<Read | Write | Test>` argument, checked before the body is
//! read.
//!
//! Refused keys are counted per client address, shared by every worker
//! (see [`crate::auth_failures`]): a key found unknown is answered from
//! memory when presented again, and past `auth_failure_limit` refusals in
//! a window the address is answered 429 before any lookup.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use patchbay_domain::auth::{Scope, Scopes, hash_api_key, looks_like_api_key};
use patchbay_domain::{Actor, ApiKeyId, OrgId, TenantStore};

use crate::ApiConfig;
use crate::auth_failures::FailedAuthentications;
use crate::client_addr::TrustedProxies;
use crate::problem::{ApiError, ProblemKind};

/// Most cached keys per worker; the cache is pruned, then emptied, past it.
const MAX_CACHED_KEYS: usize = 10_000;

/// Who is calling: the organization whose integrations a request reaches,
/// what it may do there, and who the audit trail names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Every operation is confined to this organization.
    pub org_id: OrgId,
    /// What the caller may do (`read`, `write`, `test`, `admin`).
    pub scopes: Scopes,
    /// Who the audit trail records: the API key, or the host's subject.
    pub actor: Actor,
}

impl Principal {
    /// A caller the embedding service authenticated itself, as `subject`
    /// (its own user or service id, recorded in the audit trail as
    /// `host:<subject>`).
    pub fn host(org_id: OrgId, scopes: Scopes, subject: impl Into<String>) -> Self {
        Self {
            org_id,
            scopes,
            actor: Actor::Host(subject.into()),
        }
    }

    /// The API key that authenticated the request, if one did.
    pub fn key_id(&self) -> Option<&ApiKeyId> {
        match &self.actor {
            Actor::ApiKey(id) => Some(id),
            _ => None,
        }
    }
}

/// How a request maps to a [`Principal`]: API keys by default
/// ([`ApiKeys`]); an embedding service that mounts the API
/// ([`crate::mount::Mount`]) may supply its own (its session cookie, its
/// gateway's headers, ...).
///
/// Called before routing and body parsing, once per request under `/api`
/// and `/integrations`. Answer an [`ApiError`] to refuse: its status and
/// detail reach the client as a problem (`ApiError::new(ProblemKind::Unauthorized, ...)`
/// for a missing or bad credential, `Forbidden` for a caller who may not
/// use the API at all).
#[async_trait::async_trait(?Send)]
pub trait Authenticate: Send + Sync + 'static {
    /// The caller of this request, or the problem to answer instead.
    async fn authenticate(&self, req: &HttpRequest) -> Result<Principal, ApiError>;
}

struct Cached {
    principal: Principal,
    expires: Instant,
}

/// The default authentication: `Authorization: Bearer <API key>`, with the
/// per-worker cache and the per-address limit of refused keys.
pub struct ApiKeys {
    tenants: Arc<dyn TenantStore>,
    ttl: Duration,
    cache: Mutex<HashMap<String, Cached>>,
    failed: Arc<FailedAuthentications>,
    failure_limit: u32,
    failure_window: Duration,
    proxies: TrustedProxies,
}

impl ApiKeys {
    /// API keys looked up in `tenants`, with `config`'s cache and limits;
    /// `failed` is shared by every worker.
    pub fn new(
        tenants: Arc<dyn TenantStore>,
        config: &ApiConfig,
        failed: Arc<FailedAuthentications>,
    ) -> Self {
        Self {
            tenants,
            ttl: config.auth_cache_ttl,
            cache: Mutex::new(HashMap::new()),
            failed,
            failure_limit: config.auth_failure_limit,
            failure_window: config.auth_failure_window,
            proxies: config.trusted_proxies.clone(),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic while holding the lock leaves a usable map.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, hash: &str) -> Option<Principal> {
        let mut cache = self.cache();
        match cache.get(hash) {
            Some(entry) if entry.expires > Instant::now() => Some(entry.principal.clone()),
            Some(_) => {
                cache.remove(hash);
                None
            }
            None => None,
        }
    }

    fn remember(&self, hash: String, principal: Principal) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut cache = self.cache();
        if cache.len() >= MAX_CACHED_KEYS {
            cache.retain(|_, e| e.expires > now);
            if cache.len() >= MAX_CACHED_KEYS {
                cache.clear();
            }
        }
        cache.insert(
            hash,
            Cached {
                principal,
                expires: now + self.ttl,
            },
        );
    }

    /// Check the `Authorization` header of a request from `client`: 429
    /// while the client is over its limit of refused keys, and a refused
    /// key counts towards it.
    pub(crate) async fn authenticate_client(
        &self,
        client: IpAddr,
        authorization: Option<&HeaderValue>,
    ) -> Result<Principal, ApiError> {
        let client = crate::client_addr::bucket(client);
        if let Some(wait) = self.failed.throttled(client, self.failure_limit) {
            return Err(too_many_failures(wait));
        }
        self.verify(authorization).await.map_err(|refusal| {
            if refusal.counts
                && self.failure_limit > 0
                && self.failed.record_failure(client, self.failure_window) == self.failure_limit
            {
                tracing::warn!(
                    %client,
                    limit = self.failure_limit,
                    window_secs = self.failure_window.as_secs(),
                    "client address reached its limit of refused API keys: answering 429 until its window ends"
                );
            }
            refusal.error
        })
    }

    async fn verify(&self, authorization: Option<&HeaderValue>) -> Result<Principal, Refusal> {
        let Some(value) = authorization else {
            return Err(Refusal::uncounted(unauthorized(
                "Missing API key: send it as `Authorization: Bearer <key>`.",
                None,
            )));
        };
        let token = bearer_token(value).ok_or_else(|| {
            Refusal::uncounted(unauthorized(
                "Malformed Authorization header: expected `Bearer <key>`.",
                Some("invalid_request"),
            ))
        })?;
        let invalid = || Refusal {
            error: unauthorized("Invalid or revoked API key.", Some("invalid_token")),
            counts: true,
        };
        if !looks_like_api_key(token) {
            return Err(invalid());
        }
        let hash = hash_api_key(token);
        if let Some(principal) = self.cached(&hash) {
            return Ok(principal);
        }
        if self.failed.is_unknown_key(&hash) {
            return Err(invalid());
        }
        // A lookup that fails is no refused key: unavailable (503) or
        // internal (500), never counted against the client.
        let record = self
            .tenants
            .find_api_key(&hash)
            .await
            .map_err(|e| Refusal::uncounted(ApiError::from(e)))?;
        match record {
            Some(r) if r.revoked_at.is_none() => {
                let principal = Principal {
                    org_id: r.org_id,
                    scopes: r.scopes,
                    actor: Actor::ApiKey(r.id),
                };
                self.remember(hash, principal.clone());
                Ok(principal)
            }
            _ => {
                self.failed.remember_unknown_key(hash);
                Err(invalid())
            }
        }
    }
}

/// Why a request was not let in, and whether it counts towards its
/// client's limit: only a presented key that is refused does (a missing or
/// malformed header costs nothing, a failed lookup is not the client's).
struct Refusal {
    error: ApiError,
    counts: bool,
}

impl Refusal {
    fn uncounted(error: ApiError) -> Self {
        Self {
            error,
            counts: false,
        }
    }
}

#[async_trait::async_trait(?Send)]
impl Authenticate for ApiKeys {
    async fn authenticate(&self, req: &HttpRequest) -> Result<Principal, ApiError> {
        let client = self
            .proxies
            .client(req.peer_addr().map(|a| a.ip()), req.headers());
        self.authenticate_client(client, req.headers().get(header::AUTHORIZATION))
            .await
    }
}

/// The token of a `Bearer` credential (scheme case-insensitive).
fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty() && !token.contains(' ')).then_some(token)
}

fn unauthorized(detail: &str, error: Option<&str>) -> ApiError {
    let challenge = match error {
        Some(e) => format!("Bearer realm=\"patchbay\", error=\"{e}\""),
        None => "Bearer realm=\"patchbay\"".to_string(),
    };
    ApiError::new(ProblemKind::Unauthorized, detail).with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static("Bearer")),
    )
}

fn too_many_failures(wait: Duration) -> ApiError {
    // Whole seconds, rounded up, and at least one.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    ApiError::new(
        ProblemKind::TooManyRequests,
        format!("Too many refused API keys from this address: try again in {secs} seconds."),
    )
    .with_header(header::RETRY_AFTER, HeaderValue::from(secs))
}

fn forbidden(scope: Scope) -> ApiError {
    let challenge = format!(
        "Bearer realm=\"patchbay\", error=\"insufficient_scope\", scope=\"{}\"",
        scope.as_str()
    );
    ApiError::new(
        ProblemKind::Forbidden,
        format!("This API key lacks the `{}` scope.", scope.as_str()),
    )
    .with_header(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static("Bearer")),
    )
}

/// The path prefix the API is mounted under (empty for the standalone
/// app): what the middleware strips before judging a path.
#[derive(Debug, Clone, Default)]
pub(crate) struct MountPrefix(pub(crate) String);

/// Routes that need a key: everything under `/api` except the OpenAPI
/// document, which is public so SDK generators and the docs page can fetch
/// it, and everything under `/integrations` (the integer-id API).
pub(crate) fn requires_key(path: &str) -> bool {
    let under = |root: &str| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    (under("/api") || under("/integrations")) && path != crate::OPENAPI_PATH
}

/// The authentication middleware.
pub(crate) async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let prefix = req
        .app_data::<Data<MountPrefix>>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    let path = req.path().strip_prefix(prefix.as_str()).unwrap_or_default();
    if !requires_key(path) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(auth) = req.app_data::<Data<dyn Authenticate>>().cloned() else {
        tracing::error!("authenticator missing from app data");
        return Ok(req.into_response(ApiError::internal().to_response()));
    };
    match auth.authenticate(req.request()).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(e) => Ok(req.into_response(e.to_response())),
    }
}

/// A scope an operation requires.
pub trait RequiredScope {
    /// The scope the caller must hold.
    const SCOPE: Scope;
}

/// `GET` operations.
pub struct Read;
/// `POST`, `PUT`, `DELETE` on integrations.
pub struct Write;
/// Credential tests.
pub struct Test;
/// Administration (the audit trail).
pub struct Admin;

impl RequiredScope for Read {
    const SCOPE: Scope = Scope::Read;
}
impl RequiredScope for Write {
    const SCOPE: Scope = Scope::Write;
}
impl RequiredScope for Test {
    const SCOPE: Scope = Scope::Test;
}
impl RequiredScope for Admin {
    const SCOPE: Scope = Scope::Admin;
}

/// An authenticated caller holding scope `S` (answered 403 otherwise). Put
/// it first among a handler's arguments: it resolves at once, so a missing
/// scope is reported before anything about the body.
pub struct Authorized<S: RequiredScope> {
    /// Who is calling.
    pub principal: Principal,
    _scope: PhantomData<S>,
}

impl<S: RequiredScope> Authorized<S> {
    /// The organization the caller acts for.
    pub fn org(&self) -> &OrgId {
        &self.principal.org_id
    }

    /// The audit trail's actor: this request's API key, or the host's subject.
    pub fn actor(&self) -> patchbay_domain::Actor {
        self.principal.actor.clone()
    }
}

impl<S: RequiredScope> FromRequest for Authorized<S> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        ready(match principal {
            None => Err(unauthorized("A valid API key is required.", None)),
            Some(p) if !p.scopes.allows(S::SCOPE) => Err(forbidden(S::SCOPE)),
            Some(p) => Ok(Self {
                principal: p,
                _scope: PhantomData,
            }),
        })
    }
}

/// An authenticated caller, whatever its scopes (answered 401 otherwise).
pub struct Authenticated(pub Principal);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        ready(
            principal
                .map(Self)
                .ok_or_else(|| unauthorized("A valid API key is required.", None)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(bearer_token(&h("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&h("bearer   abc ")), Some("abc"));
        assert_eq!(bearer_token(&h("Basic abc")), None);
        assert_eq!(bearer_token(&h("Bearer")), None);
        assert_eq!(bearer_token(&h("Bearer a b")), None);
        assert_eq!(bearer_token(&h("abc")), None);
    }

    #[test]
    fn which_paths_need_a_key() {
        assert!(requires_key("/api/integrations"));
        assert!(requires_key("/api"));
        assert!(requires_key("/api/nope"));
        assert!(!requires_key("/api/openapi.json"));
        assert!(!requires_key("/apix"));
        assert!(requires_key("/integrations"));
        assert!(requires_key("/integrations/12/status"));
        assert!(!requires_key("/integrationsx"));
        assert!(!requires_key("/healthz"));
        assert!(!requires_key("/docs/"));
    }
}
