//! The audit trail end to end: every action through both APIs and
//! provisioning is recorded with its actor and the names of what changed,
//! never a value; events outlive their integration.

use std::collections::HashMap;

use patchbay::app::integration_service;
use patchbay_domain::TenantStore;
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::both;
use crate::helpers::{Backend, TestApp, settings_for};

async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.admin(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Every event of the admin's organization, following `nextCursor` pages of
/// `limit`.
async fn all_events(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/audit-events?limit={limit}{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = send(app, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let items = page["data"].as_array().unwrap();
        assert!(items.len() <= limit);
        out.extend(items.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

async fn every_action_is_audited_by_name_never_by_value(backend: Backend) {
    let mock = MockServer::start().await;
    // Any method: the update below switches the webhook to PUT.
    Mock::given(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let Some(app) = TestApp::spawn_with(
        backend,
        &[("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8")],
    )
    .await
    else {
        return;
    };
    let key_id = app
        .app_store
        .list_api_keys(None)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "bootstrap")
        .unwrap()
        .id
        .to_string();
    let hook = format!("{}/hooks/ok", mock.uri());

    // Create (first API), update (first API), update with changeKeys
    // (second API), status change, a saved test, a test with overrides (not
    // saved, not audited), delete.
    let (status, created) = send(
        &app,
        Method::POST,
        "/api/integrations",
        Some(json!({"name": "Hook", "type": "webhook",
            "config": {"url": format!("{hook}?t=CANARY-url-1"), "headers": {"X-Token": "CANARY-header-1"}}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/api/integrations/{id}"),
        Some(json!({"name": "Hook 2", "config": {"headers": {"X-Token": "CANARY-header-2"}, "method": "PUT"}})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, typed) = send(&app, Method::GET, "/integrations", None).await;
    let seq = typed["data"][0]["id"].as_i64().unwrap();
    let (status, body) = send(
        &app,
        Method::PUT,
        &format!("/integrations/{seq}"),
        Some(json!({"data": {"changeKeys": true, "url": format!("{hook}?t=CANARY-url-2")}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(
        &app,
        Method::PATCH,
        &format!("/integrations/{seq}/status"),
        Some(json!({"status": "inactive"})),
    )
    .await;
    assert_eq!(status, 200);
    // Inactive integrations can still be tested.
    let (status, verdict) = send(
        &app,
        Method::POST,
        &format!("/api/integrations/{id}/test"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(verdict["status"], "success", "{verdict}");
    let (status, _) = send(
        &app,
        Method::POST,
        &format!("/api/integrations/{id}/test"),
        Some(json!({"configOverrides": {"headers": {"X-Token": "CANARY-override"}}})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(&app, Method::DELETE, &format!("/integrations/{seq}"), None).await;
    assert_eq!(status, 204);

    // A provisioning run in the same organization.
    let vars: HashMap<&str, &str> = [("AI_KEY", "CANARY-provisioned-key")].into();
    let lookup = move |name: &str| vars.get(name).map(|v| v.to_string());
    let entries = patchbay::provisioning::parse(
        r#"
[[integration]]
organization = "default"
key = "gateway"
type = "ai-gateway"
[integration.config]
apiKey = "${AI_KEY}"
"#,
        &lookup,
    )
    .unwrap();
    let service = integration_service(&settings_for(&app._db, &[]), &app.app_store).unwrap();
    patchbay::provisioning::apply(entries, &service, app.app_store.as_ref())
        .await
        .unwrap();

    let events = all_events(&app, "", 2).await;
    let summary: Vec<(String, String, Value)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
                e["changedFields"].clone(),
            )
        })
        .collect();
    let me = key_id.clone();
    let p = "provisioning".to_string();
    assert_eq!(
        summary,
        vec![
            (
                "integration.created".into(),
                me.clone(),
                json!(["config.headers", "config.signingSecret", "config.url"])
            ),
            (
                "integration.updated".into(),
                me.clone(),
                json!(["name", "config.headers", "config.method"])
            ),
            (
                "integration.updated".into(),
                me.clone(),
                json!(["config.headers", "config.signingSecret", "config.url"])
            ),
            (
                "integration.status_changed".into(),
                me.clone(),
                json!(["status"])
            ),
            ("integration.tested".into(), me.clone(), json!([])),
            ("integration.deleted".into(), me.clone(), json!([])),
            (
                "integration.created".into(),
                p.clone(),
                json!(["config.apiKey"])
            ),
            ("provisioning.applied".into(), p, json!([])),
        ]
    );
    for e in &events[..6] {
        assert_eq!(e["integrationId"], id.as_str(), "{e}");
        assert!(e["createdAt"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(events[4]["detail"], "success");
    assert_eq!(events[7]["integrationId"], Value::Null);
    assert_eq!(
        events[7]["detail"],
        "created 1, updated 0, deleted 0, unchanged 0"
    );
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // No value anywhere, not even a hint of one.
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("CANARY"), "{text}");
    assert!(!text.contains("hooks/ok"), "{text}");

    // One integration's events, kept after its deletion.
    let own = all_events(&app, &format!("&integrationId={id}"), 50).await;
    assert_eq!(own, events[..6].to_vec());

    // Admin only; another organization sees none of them.
    let writer = app.key_for("default", "read,write,test").await;
    let res = app
        .client
        .get(app.url("/api/audit-events"))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(app.url("/api/audit-events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let stranger = app.key_for("other-org", "admin").await;
    let theirs: Value = app
        .client
        .get(app.url("/api/audit-events"))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs, json!({"data": [], "nextCursor": null}));

    // Bad filters name themselves.
    for (query, field) in [
        ("integrationId=nope", "integrationId"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=-1", "cursor"),
    ] {
        let (status, p) = send(
            &app,
            Method::GET,
            &format!("/api/audit-events?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(p["errors"][0]["field"], field, "{query}");
    }
}
both!(every_action_is_audited_by_name_never_by_value);
