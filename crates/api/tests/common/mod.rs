//! A harness for driving the real app (middleware included) with
//! `actix_web::test` over in-memory stores, and one helper per route.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

mod fakes;
mod routes;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::test::{self, TestRequest};
use chrono::Utc;
use patchbay_api::{ApiConfig, ApiState};
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scope, Scopes};
use patchbay_domain::validation::ValidationPolicy;
use patchbay_domain::{ApiKeyId, IntegrationService, OrgId, ProviderRegistry, TenantStore};
use secrecy::ExposeSecret;
use serde_json::Value;

pub use fakes::{FakeSlack, MemoryStore, MemoryTenants};
pub use routes::*;

/// An API key of an organization.
#[derive(Clone)]
pub struct Key {
    pub plaintext: String,
    pub id: ApiKeyId,
    pub org: OrgId,
}

impl Key {
    pub fn bearer(&self) -> (header::HeaderName, String) {
        (header::AUTHORIZATION, format!("Bearer {}", self.plaintext))
    }
}

pub struct Harness {
    pub state: ApiState,
    pub store: Arc<MemoryStore>,
    pub tenants: Arc<MemoryTenants>,
    pub config: ApiConfig,
    /// Admin keys of two organizations.
    pub admin: Key,
    pub other_admin: Key,
}

impl Harness {
    /// Every in-process request comes from one address, so the limit of
    /// refused keys per address is off unless a test sets it.
    pub async fn new() -> Self {
        Self::with_config(ApiConfig {
            auth_failure_limit: 0,
            ..ApiConfig::default()
        })
        .await
    }

    pub async fn with_config(config: ApiConfig) -> Self {
        let store = Arc::new(MemoryStore::default());
        let tenants = Arc::new(MemoryTenants::default());
        let mut providers = ProviderRegistry::new();
        providers.register(Arc::new(FakeSlack));
        let integrations =
            IntegrationService::new(store.clone(), providers, ValidationPolicy::default());
        let state = ApiState {
            integrations,
            tenants: tenants.clone(),
            delivery: None,
            failed_auth: Default::default(),
        };
        let mut h = Self {
            state,
            store,
            tenants,
            config,
            admin: Key {
                plaintext: String::new(),
                id: ApiKeyId::generate(),
                org: OrgId::generate(),
            },
            other_admin: Key {
                plaintext: String::new(),
                id: ApiKeyId::generate(),
                org: OrgId::generate(),
            },
        };
        h.admin = h.key("acme", &[Scope::Admin]).await;
        h.other_admin = h.key("globex", &[Scope::Admin]).await;
        h
    }

    /// A new key for the named organization, with these scopes.
    pub async fn key(&self, org: &str, scopes: &[Scope]) -> Key {
        let org = self.tenants.ensure_organization(org).await.unwrap();
        let key = NewApiKey::generate();
        let record = ApiKeyRecord {
            id: ApiKeyId::generate(),
            org_id: org.id.clone(),
            name: "test".into(),
            display_prefix: key.display_prefix.clone(),
            scopes: Scopes::new(scopes.to_vec()),
            created_at: Utc::now(),
            revoked_at: None,
        };
        self.tenants
            .insert_api_key(&record, &key.hash)
            .await
            .unwrap();
        Key {
            plaintext: key.plaintext.expose_secret().to_string(),
            id: record.id,
            org: org.id,
        }
    }

    /// The real app, middleware included, ready to take requests.
    pub async fn service(&self) -> TestApp {
        let svc = Rc::new(
            test::init_service(patchbay_api::app(self.state.clone(), self.config.clone())).await,
        );
        TestApp {
            call: Box::new(move |req: TestRequest, drop: Option<HeaderName>| {
                let svc = svc.clone();
                Box::pin(async move {
                    let mut req = req.to_request();
                    if let Some(name) = drop {
                        req.headers_mut().remove(name);
                    }
                    let res = test::call_service(&*svc, req).await;
                    let status = res.status().as_u16();
                    let headers = res.headers().clone();
                    let body = test::read_body(res).await.to_vec();
                    Reply {
                        status,
                        headers,
                        body,
                    }
                })
            }),
        }
    }
}

type ReplyFuture = Pin<Box<dyn Future<Output = Reply>>>;

/// The app under test.
pub struct TestApp {
    /// Sends a request, without the named header if one is given.
    call: Box<dyn Fn(TestRequest, Option<HeaderName>) -> ReplyFuture>,
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Assert this status, and return the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        self.json()
    }

    /// The `id` member of the JSON body.
    pub fn id(&self) -> String {
        let body = self.json();
        body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id: {body}"))
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// Assert this is a problem+json error with this status, of the type
    /// the status stands for, and return it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        let p = self.expect(status);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "status {status}"
        );
        assert_eq!(p["status"], status);
        for member in ["type", "title", "detail"] {
            assert!(
                p[member].as_str().is_some_and(|m| !m.is_empty()),
                "problem without {member}: {p}"
            );
        }
        let kind = p["type"].as_str().unwrap();
        assert!(
            problem_types(status).contains(&kind),
            "{kind} is not the type of a {status}: {p}"
        );
        if status != 422 {
            assert!(p.get("errors").is_none(), "{p}");
        }
        // Every problem names its request, as the response header does.
        let id = self.header("x-request-id");
        assert!(id.is_some(), "no X-Request-Id: {p}");
        assert_eq!(p["requestId"].as_str(), id.as_deref(), "{p}");
        p
    }

    /// The body without its request id (which differs on every request),
    /// to compare two answers.
    pub fn body_without_request_id(&self) -> Value {
        let mut body = self.json();
        if let Some(members) = body.as_object_mut() {
            members.remove("requestId");
        }
        body
    }

    /// The field paths of a validation problem, in the order given; every
    /// error has a message.
    #[track_caller]
    pub fn fields(&self) -> Vec<String> {
        let p = self.problem(422);
        let errors = p["errors"].as_array().expect("errors");
        for e in errors {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{p}");
        }
        errors
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect()
    }

    /// Whether `needle` is in the body or in any header value.
    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
            || self
                .headers
                .iter()
                .any(|(_, v)| String::from_utf8_lossy(v.as_bytes()).contains(needle))
    }
}

/// The problem types an error of this status may have (`409` is either a
/// managed integration or a conflict).
fn problem_types(status: u16) -> &'static [&'static str] {
    match status {
        400 => &["/problems/bad-request"],
        401 => &["/problems/unauthorized"],
        403 => &["/problems/forbidden"],
        404 => &["/problems/not-found"],
        405 => &["/problems/method-not-allowed"],
        409 => &["/problems/managed", "/problems/conflict"],
        412 => &["/problems/precondition-failed"],
        413 => &["/problems/payload-too-large"],
        415 => &["/problems/unsupported-media-type"],
        422 => &["/problems/validation"],
        429 => &["/problems/too-many-requests"],
        500 => &["/problems/internal", "/problems/secrets-unreadable"],
        503 => &["/problems/unavailable"],
        _ => &[],
    }
}

/// The members of a credential test's verdict (a failure adds `code`).
pub const VERDICT_MEMBERS: [&str; 4] = ["latencyMs", "message", "status", "testedAt"];

/// The member names of an object, sorted.
pub fn members(v: &Value) -> Vec<&str> {
    let object = v.as_object().unwrap_or_else(|| panic!("an object: {v}"));
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// RFC 3339 UTC with milliseconds: `2026-01-01T12:00:00.123Z`.
#[track_caller]
pub fn assert_millisecond_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("a timestamp: {v}"));
    let parsed = chrono::DateTime::parse_from_rfc3339(s);
    assert!(
        parsed.is_ok() && s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.',
        "not an RFC 3339 millisecond UTC timestamp: {s}"
    );
}

/// Send a request as built.
pub async fn call(app: &TestApp, req: TestRequest) -> Reply {
    (app.call)(req, None).await
}

/// Send a request without a header `TestRequest` always sets (such as
/// `Content-Length`).
pub async fn call_without(app: &TestApp, req: TestRequest, header: HeaderName) -> Reply {
    (app.call)(req, Some(header)).await
}

/// Send a request with this key's `Authorization`.
pub async fn call_as(app: &TestApp, key: &Key, req: TestRequest) -> Reply {
    call(app, req.insert_header(key.bearer())).await
}

pub fn json_body(req: TestRequest, body: &Value) -> TestRequest {
    req.insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(serde_json::to_vec(body).unwrap())
}
