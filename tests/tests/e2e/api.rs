//! Issue 3's API guarantees, over HTTP against the real app on both backends:
//! the seed's shapes, filters and pagination, secrets that never leave (in
//! bodies, headers or logs), tenancy, authentication and scopes, and every
//! documented error (412, 413, 422).

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use patchbay_domain::TenantStore;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::both;
use crate::helpers::{Backend, TestApp};

const SLACK_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";
const DISCORD_URL: &str = "https://discord.com/api/webhooks/123456/abcdefghijklmnop";
const SENDGRID_KEY: &str = "SG.aaaaaaaaaaaaaaaaaaaaaaaa";

/// Members of an integration as `GET` returns it.
const DETAIL_KEYS: [&str; 12] = [
    "config",
    "createdAt",
    "environment",
    "health",
    "id",
    "isManaged",
    "lastTest",
    "name",
    "secrets",
    "status",
    "type",
    "updatedAt",
];
/// Members of a list item: no config, secrets or last test.
const SUMMARY_KEYS: [&str; 8] = [
    "createdAt",
    "environment",
    "id",
    "isManaged",
    "name",
    "status",
    "type",
    "updatedAt",
];

/// A response, read whole.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("the request is answered");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("the body is read").to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_string())
    }

    /// The JSON body of a success with this status.
    #[track_caller]
    fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            self.text()
        );
        self.json()
    }

    /// An RFC 9457 problem of this status and type; returns its body.
    #[track_caller]
    fn problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["type"], format!("/problems/{kind}"), "{p}");
        assert_eq!(p["status"], status, "{p}");
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        if kind != "validation" {
            assert!(p.get("errors").is_none(), "{p}");
        }
        p
    }

    /// The sorted field paths of a 422 validation problem.
    #[track_caller]
    fn fields(&self) -> Vec<String> {
        let p = self.problem(422, "validation");
        let errors = p["errors"].as_array().expect("errors");
        for e in errors {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{p}");
        }
        let mut fields: Vec<String> = errors
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_string())
            .collect();
        fields.sort();
        fields
    }
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {v}"))
        .to_string()
}

fn ids_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// RFC 3339 UTC with milliseconds: `2026-01-01T12:00:00.123Z`.
#[track_caller]
fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("a timestamp: {v}"));
    let b = s.as_bytes();
    assert!(
        s.len() == 24
            && s.ends_with('Z')
            && b[4] == b'-'
            && b[10] == b'T'
            && b[19] == b'.'
            && s.is_ascii(),
        "not an RFC 3339 millisecond UTC timestamp: {s}"
    );
}

fn etag(id: &str, version: u32) -> String {
    format!("\"{id}-v{version}\"")
}

async fn create(app: &TestApp, body: Value) -> Value {
    send(app.admin(Method::POST, "/api/integrations").json(&body))
        .await
        .ok(201)
}

async fn get(app: &TestApp, id: &str) -> Reply {
    send(app.admin(Method::GET, &format!("/api/integrations/{id}"))).await
}

/// Every page of `query` (with `limit`), following `nextCursor`; returns the
/// ids in order and the size of each page.
async fn walk(app: &TestApp, key: &str, query: &str) -> (Vec<String>, Vec<usize>) {
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    loop {
        let mut uri = format!("/api/integrations?{query}");
        if let Some(c) = &cursor {
            uri.push_str(&format!("&cursor={c}"));
        }
        let page = send(app.client.get(app.url(&uri)).bearer_auth(key))
            .await
            .ok(200);
        assert_eq!(keys(&page), ["data", "nextCursor"]);
        let page_ids = ids_of(&page);
        sizes.push(page_ids.len());
        ids.extend(page_ids);
        match &page["nextCursor"] {
            Value::Null => break,
            Value::String(c) => cursor = Some(c.clone()),
            other => panic!("nextCursor is a string or null: {other}"),
        }
        assert!(sizes.len() < 100, "the walk does not end");
    }
    (ids, sizes)
}

/// One mock plays the providers the tests call: a Slack webhook (which
/// answers `invalid_payload` to an empty post, as Slack does) and custom
/// webhook endpoints; anything else answers 404.
async fn provider_mock() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid_payload"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    server
}

/// The app with every provider endpoint it may call pointed at `mock`, so no
/// test reaches the internet whichever providers this build has.
async fn spawn_against(
    backend: Backend,
    mock: &MockServer,
    extra: &[(&str, &str)],
) -> Option<TestApp> {
    let host = mock.address().to_string();
    let base = mock.uri();
    let urls = [
        (
            "PATCHBAY__PROVIDERS__SLACK__BASE_URL",
            format!("{base}/slack/api/"),
        ),
        (
            "PATCHBAY__PROVIDERS__TELEGRAM__BASE_URL",
            format!("{base}/tg/"),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__BASE_URL",
            format!("{base}/sendgrid/"),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__EU_BASE_URL",
            format!("{base}/sendgrid/"),
        ),
        (
            "PATCHBAY__PROVIDERS__RESEND__BASE_URL",
            format!("{base}/resend/"),
        ),
    ];
    let mut settings: Vec<(&str, &str)> = vec![
        ("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8"),
        ("PATCHBAY__OUTBOUND__TOTAL_TIMEOUT_MS", "5000"),
        ("PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS", &host),
        ("PATCHBAY__PROVIDERS__SLACK__EXTRA_HOSTS", &host),
    ];
    settings.extend(urls.iter().map(|(k, v)| (*k, v.as_str())));
    settings.extend_from_slice(extra);
    TestApp::spawn_with(backend, &settings).await
}

/// A test verdict: `{"status", "message", "code"?, "latencyMs", "testedAt"}`.
#[track_caller]
fn assert_verdict(t: &Value) {
    let mut expected = vec!["latencyMs", "message", "status", "testedAt"];
    if t.get("code").is_some() {
        assert!(t["code"].as_str().is_some_and(|c| !c.is_empty()), "{t}");
        expected = vec!["code", "latencyMs", "message", "status", "testedAt"];
    }
    assert_eq!(keys(t), expected, "{t}");
    assert!(t["status"] == "success" || t["status"] == "error", "{t}");
    assert!(t["message"].as_str().is_some_and(|m| !m.is_empty()), "{t}");
    assert!(t["latencyMs"].as_i64().is_some_and(|l| l >= 0), "{t}");
    assert_timestamp(&t["testedAt"]);
}

/// A Slack test's verdict: a real success, or the honest answer of a build
/// without the Slack provider; never anything else.
#[track_caller]
fn assert_slack_verdict(t: &Value) {
    assert_verdict(t);
    assert!(
        t["status"] == "success" && t.get("code").is_none()
            || t["status"] == "error" && t["code"] == "provider_unavailable",
        "{t}"
    );
}

async fn seed_examples_answer_their_documented_shapes(backend: Backend) {
    let mock = provider_mock().await;
    let Some(app) = spawn_against(backend, &mock, &[]).await else {
        return;
    };

    // Create, with the seed's body.
    let r = send(app.admin(Method::POST, "/api/integrations").json(&json!({
        "name": "My Slack Integration",
        "type": "slack",
        "config": {"webhookUrl": SLACK_URL}
    })))
    .await;
    let created = r.ok(201);
    let id = id_of(&created);
    assert!(id.starts_with("int_"), "{id}");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/integrations/{id}"))
    );
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(keys(&created), DETAIL_KEYS);
    assert_eq!(created["name"], "My Slack Integration");
    assert_eq!(created["type"], "slack");
    assert_eq!(created["isManaged"], false);
    assert_eq!(created["environment"], "production");
    assert_eq!(created["status"], "active");
    assert_eq!(created["config"], json!({}));
    assert_eq!(
        created["secrets"],
        json!([{"field": "webhookUrl", "hint": "…XXXX"}])
    );
    assert_eq!(created["lastTest"], Value::Null);
    assert_eq!(
        created["health"],
        json!({"status": "unknown", "reason": null, "changedAt": null})
    );
    assert_timestamp(&created["createdAt"]);
    assert_eq!(created["createdAt"], created["updatedAt"]);

    // List: `{"data": [...]}` with the seed's item members, no config.
    let r = send(app.admin(Method::GET, "/api/integrations")).await;
    let list = r.ok(200);
    assert_eq!(keys(&list), ["data", "nextCursor"]);
    assert_eq!(list["nextCursor"], Value::Null);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(keys(&data[0]), SUMMARY_KEYS);
    for k in SUMMARY_KEYS {
        assert_eq!(data[0][k], created[k], "{k}");
    }

    // Get: the same representation, the same version.
    let r = get(&app, &id).await;
    assert_eq!(r.ok(200), created);
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));

    // Update, with the seed's body.
    let r = send(
        app.admin(Method::PUT, &format!("/api/integrations/{id}"))
            .json(&json!({"name": "Updated Name",
                          "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYNEW1"}})),
    )
    .await;
    let updated = r.ok(200);
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));
    assert_eq!(keys(&updated), DETAIL_KEYS);
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["name"], "Updated Name");
    assert_eq!(updated["config"], json!({}));
    assert_eq!(
        updated["secrets"],
        json!([{"field": "webhookUrl", "hint": "…NEW1"}])
    );
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert_timestamp(&updated["updatedAt"]);
    assert!(updated["updatedAt"].as_str() >= created["updatedAt"].as_str());
    assert_eq!(get(&app, &id).await.ok(200), updated);

    // Test, with the seed's optional `configOverrides`.
    let override_url = format!("{}/services/T000/B000/override", mock.uri());
    let r = send(
        app.admin(Method::POST, &format!("/api/integrations/{id}/test"))
            .json(&json!({"configOverrides": {"webhookUrl": override_url}})),
    )
    .await;
    assert_slack_verdict(&r.ok(200));
    // An override test is not recorded and changes no version.
    let r = get(&app, &id).await;
    assert_eq!(r.ok(200), updated);
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));

    // An unsaved test answers the same shape and saves nothing.
    let r = send(
        app.admin(Method::POST, "/api/integrations/test")
            .json(&json!({"type": "slack", "config": {"webhookUrl": override_url}})),
    )
    .await;
    assert_slack_verdict(&r.ok(200));
    let (all, _) = walk(&app, &app.admin_key, "limit=50").await;
    assert_eq!(all, std::slice::from_ref(&id));

    // The same endpoints with a provider this build has, exactly: the
    // overrides are used for the test only, the stored config is what a plain
    // test uses, and only the plain test is recorded.
    let hook = create(
        &app,
        json!({"name": "hook", "type": "webhook",
               "config": {"url": format!("{}/hooks/broken", mock.uri())}}),
    )
    .await;
    let hook_id = id_of(&hook);
    assert_eq!(hook["config"], json!({}));
    let secrets = hook["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{hook}");
    assert_eq!(secrets[0]["field"], "signingSecret", "{hook}");
    assert!(
        secrets[0]["hint"]
            .as_str()
            .is_some_and(|h| h.starts_with('…') && h.chars().count() == 5),
        "a generated signing secret is set: {hook}"
    );
    assert_eq!(secrets[1], json!({"field": "url", "hint": "…oken"}));
    let r = send(
        app.admin(Method::POST, &format!("/api/integrations/{hook_id}/test"))
            .json(&json!({"configOverrides": {"url": format!("{}/hooks/ok", mock.uri())}})),
    )
    .await;
    let t = r.ok(200);
    assert_verdict(&t);
    assert_eq!(t["status"], "success", "{t}");
    assert!(t.get("code").is_none(), "{t}");
    let got = get(&app, &hook_id).await.ok(200);
    assert_eq!(got["lastTest"], Value::Null, "overrides are not recorded");
    assert_eq!(got["secrets"], hook["secrets"], "overrides are not saved");

    let r = send(app.admin(Method::POST, &format!("/api/integrations/{hook_id}/test"))).await;
    let t = r.ok(200);
    assert_verdict(&t);
    assert_eq!(t["status"], "error", "{t}");
    assert_eq!(t["code"], "server_error", "{t}");
    let r = get(&app, &hook_id).await;
    assert_eq!(
        r.header("etag"),
        Some(etag(&hook_id, 1)),
        "a test is not a change"
    );
    let got = r.ok(200);
    assert_eq!(
        got["lastTest"],
        json!({"status": "error", "message": t["message"], "latencyMs": t["latencyMs"], "testedAt": t["testedAt"]})
    );
    assert_eq!(got["updatedAt"], hook["updatedAt"]);
    let received = mock.received_requests().await.unwrap();
    let hits = |p: &str| received.iter().filter(|r| r.url.path() == p).count();
    assert!(hits("/hooks/ok") >= 1 && hits("/hooks/broken") >= 1);

    // Delete: 204 with no body, then every verb answers 404.
    let r = send(app.admin(Method::DELETE, &format!("/api/integrations/{id}"))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    let path = format!("/api/integrations/{id}");
    for req in [
        app.admin(Method::GET, &path),
        app.admin(Method::PUT, &path).json(&json!({"name": "back"})),
        app.admin(Method::DELETE, &path),
        app.admin(Method::POST, &format!("{path}/test")),
    ] {
        send(req).await.problem(404, "not-found");
    }
    let (all, _) = walk(&app, &app.admin_key, "limit=50").await;
    assert_eq!(all, [hook_id]);
}
both!(seed_examples_answer_their_documented_shapes);

async fn list_filters_by_type_status_and_environment_without_config(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let specs = [
        (
            "a",
            "discord",
            "stage",
            "active",
            json!({"webhookUrl": DISCORD_URL, "username": "not-in-lists"}),
        ),
        (
            "b",
            "slack",
            "production",
            "inactive",
            json!({"webhookUrl": SLACK_URL}),
        ),
        (
            "c",
            "discord",
            "production",
            "active",
            json!({"webhookUrl": DISCORD_URL}),
        ),
        (
            "d",
            "sendgrid",
            "stage",
            "inactive",
            json!({"apiKey": SENDGRID_KEY, "fromEmail": "ops@example.com"}),
        ),
        (
            "e",
            "webhook",
            "production",
            "active",
            json!({"url": "https://example.com/hook", "method": "PUT"}),
        ),
    ];
    let mut made: HashMap<&str, Value> = HashMap::new();
    for (name, kind, env, status, config) in specs {
        let body = json!({"name": name, "type": kind, "environment": env, "status": status, "config": config});
        let c = create(&app, body).await;
        assert_eq!(
            (c["environment"].as_str(), c["status"].as_str()),
            (Some(env), Some(status))
        );
        made.insert(name, c);
    }
    let ids = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| id_of(&made[n])).collect();
        v.sort();
        v
    };
    // Another organization's rows never show.
    let other = app.key_for("other-org", "admin").await;
    let r = send(
        app.client
            .post(app.url("/api/integrations"))
            .bearer_auth(&other)
            .json(&json!({"name": "theirs", "type": "discord", "config": {"webhookUrl": DISCORD_URL}})),
    )
    .await;
    r.ok(201);

    for (query, expected) in [
        ("", ids(&["a", "b", "c", "d", "e"])),
        ("type=discord", ids(&["a", "c"])),
        ("type=slack", ids(&["b"])),
        ("type=telegram", vec![]),
        ("status=inactive", ids(&["b", "d"])),
        ("status=active", ids(&["a", "c", "e"])),
        ("environment=stage", ids(&["a", "d"])),
        ("environment=production&type=discord", ids(&["c"])),
        ("type=discord&status=active&environment=stage", ids(&["a"])),
        ("type=sendgrid&status=active", vec![]),
    ] {
        let r = send(app.admin(Method::GET, &format!("/api/integrations?{query}"))).await;
        let page = r.ok(200);
        assert_eq!(keys(&page), ["data", "nextCursor"], "{query}");
        assert_eq!(page["nextCursor"], Value::Null, "{query}");
        assert_eq!(ids_of(&page), expected, "{query}");
        for item in page["data"].as_array().unwrap() {
            assert_eq!(keys(item), SUMMARY_KEYS, "{query}: {item}");
            let full = made.values().find(|m| m["id"] == item["id"]).unwrap();
            for k in SUMMARY_KEYS {
                assert_eq!(item[k], full[k], "{query}: {k}");
            }
        }
        // Not even non-secret config values are listed.
        let text = r.text();
        for value in [
            "not-in-lists",
            "ops@example.com",
            "PUT",
            "secrets",
            "config",
        ] {
            assert!(!text.contains(value), "{query}: {value} in {text}");
        }
    }

    // Invalid filters are 422s naming each parameter.
    for (query, fields) in [
        ("type=smoke-signals", vec!["type"]),
        ("status=on", vec!["status"]),
        ("environment=prod", vec!["environment"]),
        (
            "type=nope&status=on&environment=prod&limit=0",
            vec!["environment", "limit", "status", "type"],
        ),
    ] {
        let r = send(app.admin(Method::GET, &format!("/api/integrations?{query}"))).await;
        assert_eq!(r.fields(), fields, "{query}");
    }
}
both!(list_filters_by_type_status_and_environment_without_config);

/// The captured output of the process's `tracing` subscriber, installed once
/// for this test binary at debug level (as `log.level = "debug"` would).
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        // The mock provider is the test's, not the app's: what it logs of the
        // requests it receives is left out.
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,wiremock=off"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only global subscriber of this test binary");
        buffer
    })
    .clone()
}

/// Alphanumeric (so it fits every secret's format) and unique.
const CANARY: &str = "CANARYq7X9zP2lK5vB8n";

async fn secret_canary_never_appears_in_responses_or_logs(backend: Backend) {
    let logs = captured_logs();
    let mock = provider_mock().await;
    // An endpoint that echoes the secret back in its error, as some do.
    Mock::given(method("POST"))
        .and(path("/hooks/echo"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(format!("bad token Bearer {CANARY}"))
                .insert_header("x-echo", CANARY),
        )
        .mount(&mock)
        .await;
    let Some(app) = spawn_against(backend, &mock, &[]).await else {
        return;
    };
    let c = CANARY;
    let base = mock.uri();
    let discord =
        json!({"webhookUrl": format!("{base}/api/webhooks/123456/{c}"), "username": "bot"});
    let sendgrid = json!({"apiKey": format!("SG.{c}_sendgrid"), "fromEmail": "ops@example.com"});
    let webhook = json!({
        "url": format!("{base}/hooks/echo?token={c}"),
        "headers": {"Authorization": format!("Bearer {c}"), "X-Api-Key": c},
        // whsec_ and the base64 of 30 bytes.
        "signingSecret": format!("whsec_{c}AAAAAAAAAAAAAAAAAAAA"),
    });
    let mut replies: Vec<(String, Reply)> = Vec::new();
    macro_rules! record {
        ($what:expr, $req:expr) => {{
            let r = send($req).await;
            replies.push(($what.to_string(), r));
            &replies.last().unwrap().1
        }};
    }

    let mut ids = HashMap::new();
    for (kind, config) in [
        ("discord", &discord),
        ("sendgrid", &sendgrid),
        ("webhook", &webhook),
    ] {
        let r = record!(
            format!("create {kind}"),
            app.admin(Method::POST, "/api/integrations")
                .json(&json!({"name": kind, "type": kind, "config": config}))
        );
        ids.insert(kind, id_of(&r.ok(201)));
    }
    let (d, s, w) = (&ids["discord"], &ids["sendgrid"], &ids["webhook"]);
    let r = record!(
        "get webhook",
        app.admin(Method::GET, &format!("/api/integrations/{w}"))
    );
    let got = r.ok(200);
    assert_eq!(got["config"], json!({}));
    assert_eq!(
        got["secrets"],
        json!([{"field": "headers", "hint": null},
               {"field": "signingSecret", "hint": "…AAAA"},
               {"field": "url", "hint": "…vB8n"}])
    );
    for id in [d, s] {
        record!(
            "get",
            app.admin(Method::GET, &format!("/api/integrations/{id}"))
        )
        .ok(200);
    }
    for q in ["", "?type=webhook", "?type=sendgrid&limit=1"] {
        record!(
            format!("list{q}"),
            app.admin(Method::GET, &format!("/api/integrations{q}"))
        )
        .ok(200);
    }

    // Updates: a rename keeps the secret, a new secret replaces it.
    let r = record!(
        "rename",
        app.admin(Method::PUT, &format!("/api/integrations/{d}"))
            .json(&json!({"name": "renamed"}))
    );
    assert_eq!(r.ok(200)["secrets"][0]["field"], "webhookUrl");
    let r = record!(
        "new secret",
        app.admin(Method::PUT, &format!("/api/integrations/{s}"))
            .json(&json!({"config": {"apiKey": format!("SG.{c}_rotated0")}}))
    );
    assert_eq!(
        r.ok(200)["secrets"],
        json!([{"field": "apiKey", "hint": "…ted0"}])
    );

    // Errors around the secret: misplaced, malformed, refused.
    for (id, body) in [
        (
            d,
            json!({"config": {"webhookUrl": format!("https://evil.example/api/webhooks/1/{c}")}}),
        ),
        (d, json!({"config": c})),
        (d, json!({"environment": c})),
        (d, json!({"name": "x", "bogus": c})),
        (s, json!({"config": {"apiKey": format!("nope-{c}")}})),
        (s, json!({"config": {"fromEmail": c}})),
        (w, json!({"config": {"headers": {"Host": c}}})),
        (w, json!({"config": {"headers": c}})),
        (w, json!({"config": {"signingSecret": c}})),
        (w, json!({"config": {"url": format!("ftp://{c}")}})),
        (w, json!({"clearedConfigKeys": [c]})),
    ] {
        let r = record!(
            format!("bad update {body}"),
            app.admin(Method::PUT, &format!("/api/integrations/{id}"))
                .json(&body)
        );
        r.problem(422, "validation");
    }
    for body in [
        json!({"name": "x", "type": "discord", "config": {"webhookUrl": format!("http://evil.example/{c}")}}),
        json!({"name": "x", "type": c, "config": {}}),
        json!({"name": "x", "type": "sendgrid", "config": {"apiKey": c, "fromEmail": c}}),
        json!({"name": "x", "type": "webhook", "config": webhook, "isManaged": c}),
    ] {
        let r = record!(
            format!("bad create {body}"),
            app.admin(Method::POST, "/api/integrations").json(&body)
        );
        r.problem(422, "validation");
    }
    let r = record!(
        "malformed JSON",
        app.admin(Method::POST, "/api/integrations")
            .header("content-type", "application/json")
            .body(format!(
                "{{\"name\": \"x\", \"type\": \"discord\", \"config\": {{\"webhookUrl\": \"{c}"
            ))
    );
    r.problem(400, "bad-request");
    let r = record!(
        "too large",
        app.admin(Method::POST, "/api/integrations").json(&json!({
            "name": "big", "type": "webhook",
            "config": {"url": "https://example.com/", "headers": {"X-Pad": format!("{}{c}", "a".repeat(70_000))}}
        }))
    );
    r.problem(413, "payload-too-large");
    let r = record!(
        "canary as a key",
        app.client.get(app.url("/api/integrations")).bearer_auth(c)
    );
    r.problem(401, "unauthorized");

    // Tests, saved and unsaved, with and without overrides; the endpoint
    // echoes the secret back in its refusal.
    let r = record!(
        "test webhook",
        app.admin(Method::POST, &format!("/api/integrations/{w}/test"))
    );
    let t = r.ok(200);
    assert_eq!(
        (&t["status"], &t["code"]),
        (&json!("error"), &json!("unauthorized")),
        "{t}"
    );
    let r = record!(
        "test webhook overrides",
        app.admin(Method::POST, &format!("/api/integrations/{w}/test"))
            .json(
                &json!({"configOverrides": {"headers": {"Authorization": format!("Bearer {c}-2")}}})
            )
    );
    assert_eq!(r.ok(200)["status"], "error");
    for id in [d, s] {
        let r = record!(
            "test",
            app.admin(Method::POST, &format!("/api/integrations/{id}/test"))
        );
        assert_verdict(&r.ok(200));
    }
    let r = record!(
        "test discord overrides",
        app.admin(Method::POST, &format!("/api/integrations/{d}/test"))
            .json(
                &json!({"configOverrides": {"webhookUrl": format!("{base}/api/webhooks/99/{c}x")}})
            )
    );
    assert_verdict(&r.ok(200));
    for (kind, config) in [
        ("discord", &discord),
        ("sendgrid", &sendgrid),
        ("webhook", &webhook),
    ] {
        let r = record!(
            format!("unsaved test {kind}"),
            app.admin(Method::POST, "/api/integrations/test")
                .json(&json!({"type": kind, "config": config}))
        );
        assert_verdict(&r.ok(200));
    }
    for id in [d, s, w] {
        let r = record!(
            "get after tests",
            app.admin(Method::GET, &format!("/api/integrations/{id}"))
        );
        assert_verdict(&r.ok(200)["lastTest"]);
    }
    let r = record!(
        "delete",
        app.admin(Method::DELETE, &format!("/api/integrations/{w}"))
    );
    assert_eq!(r.status, 204);

    for (what, r) in &replies {
        assert!(
            !r.text().contains(c),
            "the secret is in the {} response to {what}: {}",
            r.status,
            r.text()
        );
        for (name, value) in &r.headers {
            assert!(
                !String::from_utf8_lossy(value.as_bytes()).contains(c),
                "the secret is in header {name} of the response to {what}"
            );
        }
    }

    // The request lines are logged after the response is produced; give the
    // last one a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for line in [
        "path=/api/integrations/{integrationId}/test",
        "path=/api/integrations/test",
        "status=413",
        "status=422",
    ] {
        assert!(logged.contains(line), "the capture works: {line} is logged");
    }
    let leaks: Vec<&str> = logged.lines().filter(|l| l.contains(c)).collect();
    assert!(leaks.is_empty(), "a secret was logged: {leaks:#?}");
    assert!(!logged.contains(&app.admin_key), "an API key was logged");
}
both!(secret_canary_never_appears_in_responses_or_logs);

async fn other_organizations_integrations_answer_the_never_existing_404(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let theirs = create(
        &app,
        json!({"name": "acme's", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
    )
    .await;
    let theirs = id_of(&theirs);
    let before = get(&app, &theirs).await;
    let before_etag = before.header("etag");
    let before = before.ok(200);
    let stranger = app.key_for("org-b", "admin").await;
    let never = patchbay_domain::IntegrationId::generate().to_string();

    type Answer = (u16, Option<String>, Option<String>, Vec<u8>);
    let answers = |id: String| {
        let app = &app;
        let stranger = stranger.clone();
        async move {
            let path = format!("/api/integrations/{id}");
            // The tag this integration would have at version 1.
            let tag = etag(&id, 1);
            let as_b =
                |m: Method, p: &str| app.client.request(m, app.url(p)).bearer_auth(&stranger);
            let mut out: Vec<Answer> = Vec::new();
            for req in [
                as_b(Method::GET, &path),
                as_b(Method::PUT, &path).json(&json!({"name": "stolen"})),
                as_b(Method::PUT, &path).json(&json!({"name": ""})),
                as_b(Method::PUT, &path)
                    .header("if-match", &tag)
                    .json(&json!({"name": "stolen"})),
                as_b(Method::PUT, &path)
                    .header("if-match", "*")
                    .json(&json!({"name": "stolen"})),
                as_b(Method::DELETE, &path),
                as_b(Method::DELETE, &path).header("if-match", &tag),
                as_b(Method::POST, &format!("{path}/test")),
                as_b(Method::POST, &format!("{path}/test"))
                    .json(&json!({"configOverrides": {"webhookUrl": SLACK_URL}})),
            ] {
                let r = send(req).await;
                r.problem(404, "not-found");
                out.push((
                    r.status,
                    r.header("content-type"),
                    r.header("www-authenticate"),
                    r.body,
                ));
            }
            out
        }
    };
    let cross = answers(theirs.clone()).await;
    let missing = answers(never).await;
    let malformed = answers("int_nope".to_string()).await;
    assert_eq!(
        cross, missing,
        "another organization's id differs from a missing one"
    );
    assert_eq!(
        cross, malformed,
        "another organization's id differs from a malformed one"
    );

    // Org B's lists never show org A's rows, and show its own.
    for q in ["", "?type=slack", "?status=active&environment=production"] {
        let r = send(
            app.client
                .get(app.url(&format!("/api/integrations{q}")))
                .bearer_auth(&stranger),
        )
        .await;
        assert_eq!(r.ok(200), json!({"data": [], "nextCursor": null}), "{q}");
    }
    let r = send(
        app.client
            .post(app.url("/api/integrations"))
            .bearer_auth(&stranger)
            .json(&json!({"name": "b's", "type": "slack", "config": {"webhookUrl": SLACK_URL}})),
    )
    .await;
    let mine = id_of(&r.ok(201));
    let (b_ids, _) = walk(&app, &stranger, "limit=10").await;
    assert_eq!(b_ids, std::slice::from_ref(&mine));
    let (a_ids, _) = walk(&app, &app.admin_key, "limit=10").await;
    assert_eq!(a_ids, std::slice::from_ref(&theirs));
    // ...and org A cannot reach org B's either.
    get(&app, &mine).await.problem(404, "not-found");

    // Org A's integration is exactly as it was: not renamed, deleted or
    // tested.
    let after = get(&app, &theirs).await;
    assert_eq!(after.header("etag"), before_etag);
    assert_eq!(after.ok(200), before);
}
both!(other_organizations_integrations_answer_the_never_existing_404);

async fn missing_scopes_answer_403_problems(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let created = create(
        &app,
        json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
    )
    .await;
    let id = id_of(&created);
    let path = format!("/api/integrations/{id}");
    let reader = app.key_for("default", "read").await;
    let tester = app.key_for("default", "test").await;
    let writer = app.key_for("default", "write").await;
    let with = |key: &str, m: Method, p: &str| {
        app.client
            .request(m, app.url(p))
            .bearer_auth(key.to_string())
    };
    let slack = json!({"name": "x", "type": "slack", "config": {"webhookUrl": SLACK_URL}});

    #[track_caller]
    fn forbidden(r: &Reply, scope: &str) {
        let p = r.problem(403, "forbidden");
        assert!(p["detail"].as_str().unwrap().contains(scope), "{p}");
        assert_eq!(
            r.header("www-authenticate"),
            Some(format!(
                "Bearer realm=\"patchbay\", error=\"insufficient_scope\", scope=\"{scope}\""
            ))
        );
    }

    // read: every GET, nothing else, even with a broken body.
    for p in [
        "/api/integrations".to_string(),
        path.clone(),
        "/api/integration-types".to_string(),
        "/api/integration-types/slack".to_string(),
    ] {
        send(with(&reader, Method::GET, &p)).await.ok(200);
    }
    for (req, scope) in [
        (
            with(&reader, Method::POST, "/api/integrations").json(&slack),
            "write",
        ),
        (
            with(&reader, Method::POST, "/api/integrations")
                .header("content-type", "application/json")
                .body("{broken"),
            "write",
        ),
        (
            with(&reader, Method::PUT, &path).json(&json!({"name": "x"})),
            "write",
        ),
        (with(&reader, Method::DELETE, &path), "write"),
        (with(&reader, Method::POST, &format!("{path}/test")), "test"),
        (
            with(&reader, Method::POST, "/api/integrations/test")
                .json(&json!({"type": "slack", "config": {"webhookUrl": SLACK_URL}})),
            "test",
        ),
    ] {
        forbidden(&send(req).await, scope);
    }

    // test: the two test endpoints only.
    let r = send(
        with(&tester, Method::POST, "/api/integrations/test")
            .json(&json!({"type": "ai-gateway", "config": {"apiKey": "k", "baseUrl": "https://ai.invalid/v1"}})),
    )
    .await;
    assert_verdict(&r.ok(200));
    for (req, scope) in [
        (
            with(&tester, Method::POST, "/api/integrations").json(&slack),
            "write",
        ),
        (
            with(&tester, Method::PUT, &path).json(&json!({"name": "x"})),
            "write",
        ),
        (with(&tester, Method::DELETE, &path), "write"),
        (with(&tester, Method::GET, "/api/integrations"), "read"),
        (with(&tester, Method::GET, &path), "read"),
    ] {
        forbidden(&send(req).await, scope);
    }

    // write: create, update, delete; no reading or testing.
    for (req, scope) in [
        (with(&writer, Method::GET, "/api/integrations"), "read"),
        (with(&writer, Method::GET, &path), "read"),
        (with(&writer, Method::GET, "/api/integration-types"), "read"),
        (with(&writer, Method::POST, &format!("{path}/test")), "test"),
        (
            with(&writer, Method::POST, "/api/integrations/test")
                .json(&json!({"type": "slack", "config": {"webhookUrl": SLACK_URL}})),
            "test",
        ),
    ] {
        forbidden(&send(req).await, scope);
    }
    let own = id_of(
        &send(with(&writer, Method::POST, "/api/integrations").json(&slack))
            .await
            .ok(201),
    );
    let r = send(
        with(&writer, Method::PUT, &format!("/api/integrations/{own}")).json(&json!({"name": "y"})),
    )
    .await;
    assert_eq!(r.ok(200)["name"], "y");
    let r = send(with(
        &writer,
        Method::DELETE,
        &format!("/api/integrations/{own}"),
    ))
    .await;
    assert_eq!(r.status, 204);

    // Nothing the refused requests asked for happened.
    let r = get(&app, &id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = walk(&app, &app.admin_key, "limit=10").await;
    assert_eq!(all, [id]);
}
both!(missing_scopes_answer_403_problems);

async fn bad_credentials_answer_401_with_a_bearer_challenge(backend: Backend) {
    // No cache, so a revocation is seen on the next request.
    let Some(app) =
        TestApp::spawn_with(backend, &[("PATCHBAY__API__AUTH_CACHE_TTL_SECS", "0")]).await
    else {
        return;
    };
    let created = create(
        &app,
        json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
    )
    .await;
    let id = id_of(&created);
    let (revoked_id, revoked) = app.key_with_id("default", "admin").await;
    send(
        app.client
            .get(app.url("/api/integrations"))
            .bearer_auth(&revoked),
    )
    .await
    .ok(200);
    assert!(
        app.app_store
            .revoke_api_key(&revoked_id, patchbay_domain::service::now())
            .await
            .unwrap()
    );
    let unknown = patchbay_domain::auth::NewApiKey::generate();
    let unknown = secrecy::ExposeSecret::expose_secret(&unknown.plaintext).to_string();
    let no_error = "Bearer realm=\"patchbay\"";
    let invalid_request = "Bearer realm=\"patchbay\", error=\"invalid_request\"";
    let invalid_token = "Bearer realm=\"patchbay\", error=\"invalid_token\"";
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing header", None, no_error),
        (
            "basic scheme",
            Some("Basic dXNlcjpwYXNz".into()),
            invalid_request,
        ),
        (
            "key without scheme",
            Some(app.admin_key.clone()),
            invalid_request,
        ),
        ("empty bearer", Some("Bearer ".into()), invalid_request),
        (
            "malformed key",
            Some("Bearer not-a-key".into()),
            invalid_token,
        ),
        (
            "truncated key",
            Some(format!("Bearer {}", &app.admin_key[..20])),
            invalid_token,
        ),
        (
            "unknown key",
            Some(format!("Bearer {unknown}")),
            invalid_token,
        ),
        (
            "revoked key",
            Some(format!("Bearer {revoked}")),
            invalid_token,
        ),
    ];
    let path = format!("/api/integrations/{id}");
    for (name, auth, challenge) in cases {
        for (m, p) in [
            (Method::GET, "/api/integrations"),
            (Method::GET, path.as_str()),
            (Method::POST, "/api/integrations"),
            (Method::PUT, path.as_str()),
            (Method::DELETE, path.as_str()),
            (Method::POST, "/api/integrations/test"),
            (Method::GET, "/api/integration-types"),
            (Method::GET, "/api/no-such-route"),
        ] {
            let mut req = app.client.request(m.clone(), app.url(p));
            if m != Method::GET && m != Method::DELETE {
                // Auth comes before the body: a stranger learns nothing from
                // body errors.
                req = req.header("content-type", "text/plain").body("{");
            }
            if let Some(a) = &auth {
                req = req.header("authorization", a);
            }
            let r = send(req).await;
            r.problem(401, "unauthorized");
            assert_eq!(
                r.header("www-authenticate").as_deref(),
                Some(challenge),
                "{name}: {m} {p}"
            );
        }
    }
    // The refused requests changed nothing.
    let r = get(&app, &id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = walk(&app, &app.admin_key, "limit=10").await;
    assert_eq!(all, [id]);
    // The documentation needs no key.
    let r = send(app.client.get(app.url("/api/openapi.json"))).await;
    assert_eq!(
        r.ok(200)["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
}
both!(bad_credentials_answer_401_with_a_bearer_challenge);

async fn invalid_bodies_answer_422_naming_every_field(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let post = |body: Value| send(app.admin(Method::POST, "/api/integrations").json(&body));

    // Members a client may not set, never silently applied.
    for (member, value) in [
        ("id", json!("int_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("isManaged", json!(true)),
        ("createdAt", json!("2024-01-01T00:00:00Z")),
        ("updatedAt", json!("2024-01-01T00:00:00Z")),
        ("orgId", json!("org_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("organizationId", json!("default")),
        ("secrets", json!([])),
    ] {
        let mut body = json!({"name": "x", "type": "slack", "config": {"webhookUrl": SLACK_URL}});
        body[member] = value;
        let r = post(body).await;
        assert_eq!(r.fields(), [member]);
        let p = r.json();
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("not a field"), "{p}");
    }
    // Wrong members.
    for (body, fields) in [
        (
            json!({"name": "x", "type": "smoke-signals", "config": {}}),
            vec!["type"],
        ),
        (
            json!({"type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
        (json!({"name": "x", "config": {}}), vec!["type"]),
        (
            json!({"name": "x", "type": "slack", "config": []}),
            vec!["config"],
        ),
        (
            json!({"name": "x", "type": "slack", "config": {"webhookUrl": SLACK_URL}, "environment": "prod"}),
            vec!["environment"],
        ),
        (
            json!({"name": "x", "type": "slack", "config": {"webhookUrl": SLACK_URL}, "status": null}),
            vec!["status"],
        ),
        (
            json!({"name": "x".repeat(201), "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
        (
            json!({"name": "   ", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
    ] {
        assert_eq!(post(body.clone()).await.fields(), fields, "{body}");
    }
    // Config errors: every one at once, each with its path.
    for (body, fields) in [
        (
            json!({"name": "d", "type": "discord", "config": {
                "webhookUrl": "https://evil.example/api/webhooks/1/x", "username": 5, "bogus": true}}),
            vec!["config.bogus", "config.username", "config.webhookUrl"],
        ),
        (
            json!({"name": "t", "type": "telegram", "config": {"botToken": "nope"}}),
            vec!["config.botToken", "config.chatId"],
        ),
        (
            json!({"name": "s", "type": "sendgrid", "config": {"apiKey": "not-sendgrid", "fromEmail": "nobody", "region": "mars"}}),
            vec!["config.apiKey", "config.fromEmail", "config.region"],
        ),
        (
            json!({"name": "w", "type": "webhook", "config": {"url": "ftp://example.com", "method": "GET", "headers": {"Host": "x"}}}),
            vec!["config.headers", "config.method", "config.url"],
        ),
        (
            json!({"name": "", "type": "web3", "config": {"chainId": 0, "walletAddress": "0x12"}}),
            vec![
                "config.chainId",
                "config.rpcUrl",
                "config.walletAddress",
                "name",
            ],
        ),
    ] {
        let r = post(body.clone()).await;
        assert_eq!(r.fields(), fields, "{body}");
        let n = fields.len();
        assert_eq!(
            r.json()["detail"],
            format!("The request has {n} invalid fields."),
            "{body}"
        );
    }
    let (all, _) = walk(&app, &app.admin_key, "limit=10").await;
    assert!(all.is_empty(), "a refused body created something: {all:?}");

    // Updates: the same rules, and nothing changes.
    let created = create(
        &app,
        json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
    )
    .await;
    let id = id_of(&created);
    let put = |body: Value| {
        send(
            app.admin(Method::PUT, &format!("/api/integrations/{id}"))
                .json(&body),
        )
    };
    for (body, fields) in [
        (json!({"type": "discord"}), vec!["type"]),
        (json!({"isManaged": true}), vec!["isManaged"]),
        (json!({"id": "int_01jf8k2m3n4p5q6r7s8t9v0w1x"}), vec!["id"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": null}), vec!["name"]),
        (json!({"config": null}), vec!["config"]),
        (
            json!({"clearedConfigKeys": ["nope"]}),
            vec!["clearedConfigKeys[0]"],
        ),
        (
            json!({"clearedConfigKeys": ["webhookUrl"]}),
            vec!["config.webhookUrl"],
        ),
        (
            json!({"config": {"webhookUrl": "https://evil.example/x", "channel": "no spaces allowed", "bogus": 1}}),
            vec!["config.bogus", "config.channel", "config.webhookUrl"],
        ),
    ] {
        assert_eq!(put(body.clone()).await.fields(), fields, "{body}");
    }
    let r = send(
        app.admin(Method::POST, &format!("/api/integrations/{id}/test"))
            .json(&json!({"overrides": {}})),
    )
    .await;
    assert_eq!(r.fields(), ["overrides"]);
    let r = send(
        app.admin(Method::POST, "/api/integrations/test")
            .json(&json!({"type": "telegram", "config": {"botToken": "nope"}})),
    )
    .await;
    assert_eq!(r.fields(), ["config.botToken", "config.chatId"]);
    let r = get(&app, &id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
}
both!(invalid_bodies_answer_422_naming_every_field);

async fn stale_if_match_answers_412_and_changes_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let id = id_of(
        &create(
            &app,
            json!({"name": "v1", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await,
    );
    let other = id_of(
        &create(
            &app,
            json!({"name": "o", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await,
    );
    let path = format!("/api/integrations/{id}");
    let put = |tag: &str, name: &str| {
        send(
            app.admin(Method::PUT, &path)
                .header("if-match", tag)
                .json(&json!({"name": name})),
        )
    };

    let r = get(&app, &id).await;
    let v1 = r.header("etag").unwrap();
    assert_eq!(v1, etag(&id, 1));
    let r = put(&v1, "v2").await;
    assert_eq!(r.ok(200)["name"], "v2");
    let v2 = r.header("etag").unwrap();
    assert_eq!(v2, etag(&id, 2));
    let at_v2 = get(&app, &id).await.ok(200);

    for stale in [
        v1.clone(),
        format!("W/{v2}"),
        etag(&other, 2),
        etag(&other, 1),
        etag(&id, 3),
    ] {
        put(&stale, "lost")
            .await
            .problem(412, "precondition-failed");
        let r = get(&app, &id).await;
        assert_eq!(r.header("etag"), Some(v2.clone()), "{stale}");
        assert_eq!(r.ok(200), at_v2, "{stale}");
    }
    // A header that is not an entity tag never lets the change through
    // (docs/api.md says 412; the API is moving to 400 for malformed ones).
    for malformed in ["garbage", "\"unterminated"] {
        let r = put(malformed, "lost").await;
        assert!(
            r.status == 400 || r.status == 412,
            "{malformed}: {}",
            r.text()
        );
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(get(&app, &id).await.ok(200), at_v2, "{malformed}");
    }
    let r = put("*", "v3").await;
    assert_eq!(r.ok(200)["name"], "v3");
    let v3 = r.header("etag").unwrap();
    assert_eq!(v3, etag(&id, 3));
    // The current tag in a list with another integration's matches.
    let r = put(&format!("{}, {v3}", etag(&other, 1)), "v4").await;
    assert_eq!(r.ok(200)["name"], "v4");
    let v4 = r.header("etag").unwrap();
    assert_eq!(v4, etag(&id, 4));

    for stale in [v3.clone(), format!("W/{v4}"), etag(&other, 1)] {
        send(app.admin(Method::DELETE, &path).header("if-match", &stale))
            .await
            .problem(412, "precondition-failed");
        assert_eq!(get(&app, &id).await.header("etag"), Some(v4.clone()));
    }
    let r = send(app.admin(Method::DELETE, &path).header("if-match", &v4)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    get(&app, &id).await.problem(404, "not-found");
    // Gone is 404, whatever the tag.
    put(&v4, "v5").await.problem(404, "not-found");
    // The other integration was never touched.
    assert_eq!(
        get(&app, &other).await.header("etag"),
        Some(etag(&other, 1))
    );
}
both!(stale_if_match_answers_412_and_changes_nothing);

/// A chunked request (no `Content-Length`) over a raw connection; returns
/// the status and the response text.
fn raw_chunked_post(base: &str, path: &str, key: &str, body: &[u8]) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut out = head.into_bytes();
    for chunk in body.chunks(512) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything.
    let _ = stream.write_all(&out);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {text}"));
    (status, text)
}

async fn bodies_over_the_limit_answer_413(backend: Backend) {
    let Some(app) =
        TestApp::spawn_with(backend, &[("PATCHBAY__HTTP__MAX_BODY_BYTES", "2048")]).await
    else {
        return;
    };
    let hook = |pad: usize| {
        json!({"name": "w", "type": "webhook",
               "config": {"url": "https://example.com/hook", "headers": {"X-Pad": "a".repeat(pad)}}})
    };
    assert!(serde_json::to_vec(&hook(1900)).unwrap().len() <= 2048);
    assert!(serde_json::to_vec(&hook(2100)).unwrap().len() > 2048);
    // Just under the limit is fine.
    let created = create(&app, hook(1900)).await;
    let id = id_of(&created);
    let path = format!("/api/integrations/{id}");

    for req in [
        app.admin(Method::POST, "/api/integrations")
            .json(&hook(2100)),
        app.admin(Method::POST, "/api/integrations")
            .json(&hook(20_000)),
        app.admin(Method::PUT, &path).json(
            &hook(2100)["config"]
                .clone()
                .as_object()
                .map(|c| json!({"config": c}))
                .unwrap(),
        ),
        app.admin(Method::POST, &format!("{path}/test"))
            .json(&json!({"configOverrides": hook(2100)["config"]})),
        app.admin(Method::POST, "/api/integrations/test")
            .json(&json!({"type": "webhook", "config": hook(2100)["config"]})),
    ] {
        let r = send(req).await;
        let p = r.problem(413, "payload-too-large");
        assert!(p["detail"].as_str().unwrap().contains("2048"), "{p}");
    }
    // Without a Content-Length too.
    let base = app.base.clone();
    let key = app.admin_key.clone();
    let body = serde_json::to_vec(&hook(4000)).unwrap();
    let (status, text) = tokio::task::spawn_blocking(move || {
        raw_chunked_post(&base, "/api/integrations", &key, &body)
    })
    .await
    .unwrap();
    assert_eq!(status, 413, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{text}"
    );
    assert!(text.contains("/problems/payload-too-large"), "{text}");
    // Authentication still comes first.
    send(
        app.client
            .post(app.url("/api/integrations"))
            .json(&hook(2100)),
    )
    .await
    .problem(401, "unauthorized");

    let r = get(&app, &id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = walk(&app, &app.admin_key, "limit=10").await;
    assert_eq!(all, [id]);
}
both!(bodies_over_the_limit_answer_413);

async fn pagination_walks_every_row_exactly_once(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let mut ids = Vec::new();
    let mut discord = Vec::new();
    for i in 0..23 {
        let body = if i % 3 == 0 {
            json!({"name": format!("n{i}"), "type": "discord", "config": {"webhookUrl": DISCORD_URL}})
        } else {
            json!({"name": format!("n{i}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}})
        };
        let id = id_of(&create(&app, body).await);
        if i % 3 == 0 {
            discord.push(id.clone());
        }
        ids.push(id);
    }
    // Another organization's rows are never on any page.
    let other = app.key_for("other-org", "admin").await;
    for i in 0..4 {
        send(
            app.client
                .post(app.url("/api/integrations"))
                .bearer_auth(&other)
                .json(&json!({"name": format!("theirs {i}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}})),
        )
        .await
        .ok(201);
    }
    let mut expected = ids.clone();
    expected.sort();
    discord.sort();

    let (seen, sizes) = walk(&app, &app.admin_key, "limit=5").await;
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    assert_eq!(seen, expected, "every row once, in ascending id order");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);

    for (query, rows, pages) in [
        ("limit=1", &expected, vec![1; 23]),
        ("limit=23", &expected, vec![23]),
        ("limit=200", &expected, vec![23]),
        ("limit=2&type=discord", &discord, vec![2, 2, 2, 2]),
        ("type=discord&limit=3", &discord, vec![3, 3, 2]),
    ] {
        let (seen, sizes) = walk(&app, &app.admin_key, query).await;
        assert_eq!(&seen, rows, "{query}");
        assert_eq!(sizes, pages, "{query}");
    }
    // The default page holds all 23 (default 50).
    let page = send(app.admin(Method::GET, "/api/integrations"))
        .await
        .ok(200);
    assert_eq!(ids_of(&page), expected);
    assert_eq!(page["nextCursor"], Value::Null);

    // A deleted cursor row does not lose the rows after it.
    let first = send(app.admin(Method::GET, "/api/integrations?limit=5"))
        .await
        .ok(200);
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let first = ids_of(&first);
    send(app.admin(Method::DELETE, &format!("/api/integrations/{}", first[4]))).await;
    let rest = send(app.admin(
        Method::GET,
        &format!("/api/integrations?limit=50&cursor={cursor}"),
    ))
    .await
    .ok(200);
    assert_eq!(ids_of(&rest), expected[5..]);

    // Bad paging parameters are 422s naming the parameter.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=int_nope", "cursor"),
    ] {
        let r = send(app.admin(Method::GET, &format!("/api/integrations?{query}"))).await;
        assert_eq!(r.fields(), [field], "{query}");
    }
}
both!(pagination_walks_every_row_exactly_once);

async fn concurrent_updates_are_merged_never_lost_or_half_applied(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let created = create(
        &app,
        json!({"name": "start", "type": "sendgrid",
               "config": {"apiKey": SENDGRID_KEY, "fromEmail": "start@example.com", "fromName": "start"}}),
    )
    .await;
    let id = id_of(&created);
    let path = format!("/api/integrations/{id}");
    // Even writers change the name and fromName together; odd writers change
    // fromEmail and region together.
    let change = |i: usize| {
        if i % 2 == 0 {
            json!({"name": format!("writer {i}"), "config": {"fromName": format!("writer {i}")}})
        } else {
            json!({"config": {"fromEmail": format!("w{i}@example.com"),
                              "region": if i % 4 == 1 { "eu" } else { "global" }}})
        }
    };
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let req = app.admin(Method::PUT, &path).json(&change(i));
            tokio::spawn(async move { (i, send(req).await) })
        })
        .collect();
    let mut done: Vec<(u32, usize, Value)> = Vec::new();
    for task in tasks {
        let (i, r) = task.await.unwrap();
        if r.status == 409 {
            r.problem(409, "conflict");
            continue;
        }
        let body = r.ok(200);
        let tag = r.header("etag").unwrap();
        let version: u32 = tag
            .strip_prefix(&format!("\"{id}-v"))
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("an ETag of this integration: {tag}"));
        done.push((version, i, body));
    }
    assert!(!done.is_empty(), "some update succeeds");
    done.sort_by_key(|(v, _, _)| *v);
    let versions: Vec<u32> = done.iter().map(|(v, _, _)| *v).collect();
    let k = u32::try_from(done.len()).unwrap();
    assert_eq!(
        versions,
        (2..2 + k).collect::<Vec<_>>(),
        "each success is exactly one new version: none lost, none shared"
    );
    // Replaying the successes in version order gives each answer exactly:
    // every update saw all earlier ones, and applied all of itself.
    let mut state = created.clone();
    for (version, i, body) in &done {
        let c = change(*i);
        if let Some(name) = c.get("name") {
            state["name"] = name.clone();
        }
        for (k, v) in c["config"].as_object().unwrap() {
            state["config"][k] = v.clone();
        }
        state["updatedAt"] = body["updatedAt"].clone();
        assert_eq!(body, &state, "v{version} (writer {i})");
    }
    let r = get(&app, &id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1 + k)));
    let last = r.ok(200);
    assert_eq!(last, done.last().unwrap().2);
    assert_eq!(
        last["secrets"],
        json!([{"field": "apiKey", "hint": "…aaaa"}]),
        "the secret is kept"
    );
    assert_eq!(last["createdAt"], created["createdAt"]);
}
both!(concurrent_updates_are_merged_never_lost_or_half_applied);
