//! The `/integrations` routes (integer type ids, snake_case `data`, an
//! integration addressed by its integer id) on both databases: the
//! contract's SendGrid example, exactly; the same integration seen through
//! `/api/integrations`; the same keys, scopes and tenancy.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, on_both_backends};

on_both_backends!(
    the_sendgrid_example_of_the_contract_works_as_documented,
    same_auth_and_tenancy_as_the_api_integrations_routes,
);

/// The contract's example request, exactly.
pub fn sendgrid_example_request() -> Value {
    json!({
        "integration": 4,
        "data": {
            "environment": "stage",
            "api_key": "SG.xxxxxxxxxxxxxxxxxxxx",
            "from_email": "notifications@yourcompany.com.br",
            "from_name": "Enspace Notifications"
        }
    })
}

/// The contract's example response, exactly.
fn sendgrid_example_response() -> Value {
    json!({
        "id": 105,
        "data": {
            "changeKeys": false,
            "environment": "stage"
        },
        "integration": {
            "id": 4,
            "name": "Sendgrid",
            "description": "integrations.sendgrid.description",
            "category": "integrations.sendgrid.category",
            "slug": "sendgrid",
            "created_at": "2025-06-17T15:40:10.419Z",
            "updated_at": "2025-06-17T15:40:10.419Z",
            "media": []
        },
        "status": "active",
        "created_at": "2026-03-12T20:55:53.111Z",
        "updated_at": "2026-03-12T20:55:53.132Z"
    })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same member names, nesting and JSON types as `expected`, at `path`.
/// `extra` lists where `actual` may hold more members than `expected`.
fn assert_same_shape(expected: &Value, actual: &Value, path: &str, extra: &[&str]) {
    assert_eq!(
        json_type(expected),
        json_type(actual),
        "{path}: type differs: {actual}"
    );
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} is missing: {actual}"));
                assert_same_shape(ev, av, &format!("{path}.{k}"), extra);
            }
            if !extra.contains(&path) {
                let mut ek: Vec<&String> = e.keys().collect();
                let mut ak: Vec<&String> = a.keys().collect();
                ek.sort();
                ak.sort();
                assert_eq!(ek, ak, "{path}: members differ");
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_same_shape(first, item, &format!("{path}[{i}]"), extra);
                }
            }
        }
        _ => {}
    }
}

fn is_ms_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && s.ends_with('Z')
        && b[10] == b'T'
        && b[19] == b'.'
        && s[20..23].bytes().all(|c| c.is_ascii_digit())
}

async fn the_sendgrid_example_of_the_contract_works_as_documented(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let r = admin.type_id_create(&sendgrid_example_request()).await;
    assert_eq!(r.status, 201);
    let location = r.header("location").unwrap();
    assert!(r.header("etag").is_some());
    let created = r.json();

    // Shape: the example's members, nesting and types; `data` may also hold
    // the non-secret config fields.
    assert_same_shape(&sendgrid_example_response(), &created, "", &[".data"]);
    let id = created["id"].as_i64().unwrap();
    assert!(id > 0);
    assert_eq!(location, format!("/integrations/{id}"));
    assert_eq!(
        created["integration"],
        sendgrid_example_response()["integration"]
    );
    assert_eq!(created["status"], "active");
    assert_eq!(
        created["data"],
        json!({"changeKeys": false, "environment": "stage",
               "from_email": "notifications@yourcompany.com.br",
               "from_name": "Enspace Notifications"})
    );
    for t in ["created_at", "updated_at"] {
        assert!(is_ms_timestamp(created[t].as_str().unwrap()), "{created}");
    }

    // Reading it back gives the same body; so does the list.
    let got = admin.type_id_get(id).await.expect(200);
    assert_eq!(got, created);
    let list = admin.type_id_list("").await.expect(200);
    assert_eq!(list["data"], json!([created.clone()]));
    assert_eq!(list["next_cursor"], Value::Null);
    let filtered = admin.type_id_list("integration=2").await.json();
    assert_eq!(filtered["data"], json!([]));
    let r = admin.type_id_list("integration=99").await;
    assert_eq!(r.error_fields(), vec!["integration"]);

    // `/api/integrations` sees the same integration, named after its type.
    let int_id = admin.prefixed_id(id).await;
    let seen = admin.get_integration(&int_id).await.expect(200);
    assert_eq!(seen["name"], "Sendgrid");
    assert_eq!(seen["type"], "sendgrid");
    assert_eq!(seen["environment"], "stage");
    assert_eq!(
        seen["config"],
        json!({"fromEmail": "notifications@yourcompany.com.br", "fromName": "Enspace Notifications"})
    );
    assert_eq!(seen["secrets"][0]["field"], "apiKey");

    // The secret is never given back, by either API.
    let seen_list = admin.list_integrations("").await.json();
    for body in [&created, &got, &list, &seen, &seen_list] {
        let text = body.to_string();
        assert!(!text.contains("SG.xxxxxxxxxxxxxxxxxxxx"), "{text}");
        assert!(!text.contains("api_key"), "{text}");
    }

    // Bad requests name their fields in snake_case under `data`.
    let r = admin
        .type_id_create(&json!({"integration": 4, "data": {"environment": "moon", "apiKey": "SG.CANARY-literal-xxxx", "from_email": "nope"}}))
        .await;
    let mut f = r.error_fields();
    f.sort();
    assert_eq!(f, vec!["data.apiKey", "data.environment"]);
    assert!(!r.json().to_string().contains("CANARY"));
    let r = admin
        .type_id_create(&json!({"integration": 4, "data": {"from_email": "nope"}}))
        .await;
    let mut f = r.error_fields();
    f.sort();
    assert_eq!(f, vec!["data.api_key", "data.from_email"]);
    let r = admin
        .type_id_create(&json!({"integration": 99, "data": {}}))
        .await;
    assert_eq!(r.error_fields(), vec!["integration"]);
    let r = admin
        .type_id_create(&json!({"integration": 4, "data": {}, "id": 7}))
        .await;
    assert_eq!(r.error_fields(), vec!["id"]);

    // Status, then delete.
    let inactive = admin
        .type_id_set_status(id, &json!({"status": "inactive"}))
        .await
        .expect(200);
    assert_eq!(inactive["status"], "inactive");
    let r = admin
        .type_id_set_status(id, &json!({"status": "paused"}))
        .await;
    assert_eq!(r.error_fields(), vec!["status"]);
    assert_eq!(admin.type_id_delete(id).await.status, 204);
    assert_eq!(admin.type_id_get(id).await.status, 404);
    assert_eq!(admin.get_integration(&int_id).await.status, 404);
}

async fn same_auth_and_tenancy_as_the_api_integrations_routes(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let created = app
        .admin()
        .type_id_create(&sendgrid_example_request())
        .await
        .json();
    let id = created["id"].as_i64().unwrap();

    let r = app.anonymous().type_id_list("").await;
    assert_eq!(r.status, 401);
    assert!(r.header("www-authenticate").is_some());
    let reader = app.with_key(&app.key_for("default", "read").await);
    let r = reader.type_id_create(&sendgrid_example_request()).await;
    assert_eq!(r.status, 403);

    // Another organization's id answers exactly like one that never existed.
    let stranger = app.with_key(&app.key_for("other-org", "admin").await);
    let missing = stranger
        .type_id_get(999_999)
        .await
        .body_without_request_id();
    for (what, r) in [
        ("GET", stranger.type_id_get(id).await),
        (
            "PUT",
            stranger
                .type_id_update(id, &json!({"data": {"from_name": "x"}}))
                .await,
        ),
        (
            "PATCH status",
            stranger
                .type_id_set_status(id, &json!({"status": "inactive"}))
                .await,
        ),
        ("DELETE", stranger.type_id_delete(id).await),
        (
            "GET not-a-number",
            stranger
                .call(reqwest::Method::GET, "/integrations/not-a-number", None)
                .await,
        ),
    ] {
        assert_eq!(r.status, 404, "{what} {id}");
        assert_eq!(r.body_without_request_id(), missing, "{what} {id}");
    }
    let theirs = stranger.type_id_list("").await.json();
    assert_eq!(theirs["data"], json!([]));
    // Still there for its owner.
    assert_eq!(app.admin().type_id_get(id).await.status, 200);
}
