//! The audit trail end to end: every action through both APIs and
//! provisioning is recorded with its actor and the names of what changed,
//! never a value; events outlive their integration.

use std::collections::HashMap;

use patchbay::app::integration_service;
use patchbay_domain::TenantStore;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Client, TestApp, TestDatabase, id_of, on_both_backends, settings_for};

on_both_backends!(every_action_is_audited_by_name_never_by_value);

/// Every event of the caller's organization, following `nextCursor` pages
/// of `limit`.
async fn all_events(caller: &Client, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("limit={limit}{query}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = caller.audit_events(&q).await.expect(200);
        let items = page["data"].as_array().unwrap();
        assert!(items.len() <= limit);
        out.extend(items.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

async fn every_action_is_audited_by_name_never_by_value(db: TestDatabase) {
    let mock = MockServer::start().await;
    // Any method: the update below switches the webhook to PUT.
    Mock::given(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&mock)
        .await;
    let app = TestApp::spawn_with(
        db,
        &[("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8")],
    )
    .await;
    let admin = app.admin();
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

    // Create and update (`/api/integrations`), update with changeKeys and a
    // status change (`/integrations`), a saved test, a test with overrides
    // (not saved, not audited), delete.
    let created = admin
        .create_integration(&json!({"name": "Hook", "type": "webhook",
            "config": {"url": format!("{hook}?t=CANARY-url-1"), "headers": {"X-Token": "CANARY-header-1"}}}))
        .await
        .expect(201);
    let id = id_of(&created);
    let r = admin
        .update_integration(
            &id,
            &json!({"name": "Hook 2", "config": {"headers": {"X-Token": "CANARY-header-2"}, "method": "PUT"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    let listed = admin.type_id_list("").await.json();
    let seq = listed["data"][0]["id"].as_i64().unwrap();
    admin
        .type_id_update(
            seq,
            &json!({"data": {"changeKeys": true, "url": format!("{hook}?t=CANARY-url-2")}}),
        )
        .await
        .expect(200);
    let r = admin
        .type_id_set_status(seq, &json!({"status": "inactive"}))
        .await;
    assert_eq!(r.status, 200);
    // Inactive integrations can still be tested.
    let verdict = admin.test_integration(&id, None).await.expect(200);
    assert_eq!(verdict["status"], "success", "{verdict}");
    let r = admin
        .test_integration(
            &id,
            Some(&json!({"configOverrides": {"headers": {"X-Token": "CANARY-override"}}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(admin.type_id_delete(seq).await.status, 204);

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
    let service = integration_service(&settings_for(app.database(), &[]), &app.app_store).unwrap();
    patchbay::provisioning::apply(entries, &service, app.app_store.as_ref())
        .await
        .unwrap();

    let events = all_events(&admin, "", 2).await;
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
    let own = all_events(&admin, &format!("&integrationId={id}"), 50).await;
    assert_eq!(own, events[..6].to_vec());

    // Admin only; another organization sees none of them.
    let writer = app.with_key(&app.key_for("default", "read,write,test").await);
    assert_eq!(writer.audit_events("").await.status, 403);
    assert_eq!(app.anonymous().audit_events("").await.status, 401);
    let stranger = app.with_key(&app.key_for("other-org", "admin").await);
    let theirs = stranger.audit_events("").await.json();
    assert_eq!(theirs, json!({"data": [], "nextCursor": null}));

    // Bad filters name themselves.
    for (query, field) in [
        ("integrationId=nope", "integrationId"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=-1", "cursor"),
    ] {
        let p = admin.audit_events(query).await.expect(422);
        assert_eq!(p["errors"][0]["field"], field, "{query}");
    }
}
