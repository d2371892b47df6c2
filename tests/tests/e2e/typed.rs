//! The second seed's API (`/integrations`) over HTTP against the real app:
//! the seed's SendGrid example, cross-API visibility, `changeKeys`,
//! `If-Match` and concurrent updates.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp};

/// The seed's request, exactly.
fn seed_request() -> Value {
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

/// The seed's response, exactly.
fn seed_response() -> Value {
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

async fn send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.admin(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

/// The first API's view of a second-API integration: its `int_` id is in the
/// ETag, which both APIs share.
async fn prefixed_id(app: &TestApp, seq: i64) -> String {
    let res = app
        .admin(Method::GET, &format!("/integrations/{seq}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let inner = etag.trim_matches('"');
    inner.rsplit_once("-v").unwrap().0.to_string()
}

async fn seed_example_round_trips(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let res = app
        .admin(Method::POST, "/integrations")
        .json(&seed_request())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(res.headers().get("etag").is_some());
    let created: Value = res.json().await.unwrap();

    // Shape: the seed's members, nesting and types; `data` may also hold the
    // non-secret config fields.
    assert_same_shape(&seed_response(), &created, "", &[".data"]);
    let id = created["id"].as_i64().unwrap();
    assert!(id > 0);
    assert_eq!(location, format!("/integrations/{id}"));
    assert_eq!(created["integration"], seed_response()["integration"]);
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
    let (status, got) = send(&app, Method::GET, &format!("/integrations/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(got, created);
    let (status, list) = send(&app, Method::GET, "/integrations", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"], json!([created.clone()]));
    assert_eq!(list["next_cursor"], Value::Null);
    let (_, filtered) = send(&app, Method::GET, "/integrations?integration=2", None).await;
    assert_eq!(filtered["data"], json!([]));
    let (status, bad) = send(&app, Method::GET, "/integrations?integration=99", None).await;
    assert_eq!(status, 422);
    assert_eq!(fields(&bad), vec!["integration"]);

    // The first API sees the same integration, named after its type.
    let int_id = prefixed_id(&app, id).await;
    let (status, first) = send(
        &app,
        Method::GET,
        &format!("/api/integrations/{int_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(first["name"], "Sendgrid");
    assert_eq!(first["type"], "sendgrid");
    assert_eq!(first["environment"], "stage");
    assert_eq!(
        first["config"],
        json!({"fromEmail": "notifications@yourcompany.com.br", "fromName": "Enspace Notifications"})
    );
    assert_eq!(first["secrets"][0]["field"], "apiKey");

    // The secret is never given back, by either API.
    let (_, first_list) = send(&app, Method::GET, "/api/integrations", None).await;
    for body in [&created, &got, &list, &first, &first_list] {
        let text = body.to_string();
        assert!(!text.contains("SG.xxxxxxxxxxxxxxxxxxxx"), "{text}");
        assert!(!text.contains("api_key"), "{text}");
    }

    // Bad requests name their fields the second API's way.
    let (status, p) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(json!({"integration": 4, "data": {"environment": "moon", "apiKey": "SG.CANARY-literal-xxxx", "from_email": "nope"}})),
    )
    .await;
    assert_eq!(status, 422);
    let mut f = fields(&p);
    f.sort();
    assert_eq!(f, vec!["data.apiKey", "data.environment"]);
    assert!(!p.to_string().contains("CANARY"));
    let (status, p) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(json!({"integration": 4, "data": {"from_email": "nope"}})),
    )
    .await;
    assert_eq!(status, 422);
    let mut f = fields(&p);
    f.sort();
    assert_eq!(f, vec!["data.api_key", "data.from_email"]);
    let (status, p) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(json!({"integration": 99, "data": {}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["integration"]);
    let (status, p) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(json!({"integration": 4, "data": {}, "id": 7})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["id"]);

    // Status, then delete.
    let (status, inactive) = send(
        &app,
        Method::PATCH,
        &format!("/integrations/{id}/status"),
        Some(json!({"status": "inactive"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(inactive["status"], "inactive");
    let (status, p) = send(
        &app,
        Method::PATCH,
        &format!("/integrations/{id}/status"),
        Some(json!({"status": "paused"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["status"]);
    let (status, _) = send(&app, Method::DELETE, &format!("/integrations/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = send(&app, Method::GET, &format!("/integrations/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &app,
        Method::GET,
        &format!("/api/integrations/{int_id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
}
both!(seed_example_round_trips);

async fn same_auth_and_tenancy_as_the_first_api(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, created) = send(&app, Method::POST, "/integrations", Some(seed_request())).await;
    let id = created["id"].as_i64().unwrap();

    let res = app
        .client
        .get(app.url("/integrations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("www-authenticate").is_some());
    let reader = app.key_for("default", "read").await;
    let res = app
        .client
        .post(app.url("/integrations"))
        .bearer_auth(&reader)
        .json(&seed_request())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Another organization's id answers exactly like one that never existed.
    let stranger = app.key_for("other-org", "admin").await;
    let missing = app
        .client
        .get(app.url("/integrations/999999"))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (method, path, body) in [
        (Method::GET, format!("/integrations/{id}"), None),
        (
            Method::PUT,
            format!("/integrations/{id}"),
            Some(json!({"data": {"from_name": "x"}})),
        ),
        (
            Method::PATCH,
            format!("/integrations/{id}/status"),
            Some(json!({"status": "inactive"})),
        ),
        (Method::DELETE, format!("/integrations/{id}"), None),
        (Method::GET, "/integrations/not-a-number".to_string(), None),
    ] {
        let mut req = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&stranger);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
        assert_eq!(res.text().await.unwrap(), missing, "{method} {path}");
    }
    let (_, theirs) = {
        let res = app
            .client
            .get(app.url("/integrations"))
            .bearer_auth(&stranger)
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(theirs["data"], json!([]));
    // Still there for its owner.
    let (status, _) = send(&app, Method::GET, &format!("/integrations/{id}"), None).await;
    assert_eq!(status, 200);
}
both!(same_auth_and_tenancy_as_the_first_api);

async fn integrations_cross_between_the_apis(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Created through the first API, read and changed through the second.
    let (status, first) = send(
        &app,
        Method::POST,
        "/api/integrations",
        Some(json!({"name": "Mail", "type": "sendgrid",
                    "config": {"apiKey": "SG.CANARYfirstapi0000000000", "fromEmail": "a@example.com"}})),
    )
    .await;
    assert_eq!(status, 201);
    let int_id = first["id"].as_str().unwrap().to_string();
    let (_, list) = send(&app, Method::GET, "/integrations", None).await;
    let item = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["data"]["from_email"] == "a@example.com")
        .unwrap_or_else(|| panic!("not listed: {list}"))
        .clone();
    let seq = item["id"].as_i64().unwrap();
    assert_eq!(item["integration"]["slug"], "sendgrid");
    assert_eq!(item["data"]["environment"], "production");
    assert_eq!(prefixed_id(&app, seq).await, int_id);
    let (status, changed) = send(
        &app,
        Method::PUT,
        &format!("/integrations/{seq}"),
        Some(json!({"integration": 4, "data": {"from_name": "Ops", "environment": "stage"}})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (_, again) = send(
        &app,
        Method::GET,
        &format!("/api/integrations/{int_id}"),
        None,
    )
    .await;
    assert_eq!(again["config"]["fromName"], "Ops");
    assert_eq!(again["environment"], "stage");
    assert_eq!(again["name"], "Mail");
    assert_eq!(
        again["secrets"][0]["hint"], first["secrets"][0]["hint"],
        "the secret is kept"
    );

    // Created through the second API, changed through the first, read back.
    let (_, second) = send(&app, Method::POST, "/integrations", Some(seed_request())).await;
    let seq2 = second["id"].as_i64().unwrap();
    let int_id2 = prefixed_id(&app, seq2).await;
    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/api/integrations/{int_id2}"),
        Some(
            json!({"name": "Renamed", "config": {"fromName": "From first"}, "status": "inactive"}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (_, read) = send(&app, Method::GET, &format!("/integrations/{seq2}"), None).await;
    assert_eq!(read["data"]["from_name"], "From first");
    assert_eq!(read["status"], "inactive");
    // Deleted through the first API: gone from the second.
    let (status, _) = send(
        &app,
        Method::DELETE,
        &format!("/api/integrations/{int_id2}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(&app, Method::GET, &format!("/integrations/{seq2}"), None).await;
    assert_eq!(status, 404);
    for body in [&first, &item, &changed, &again, &read] {
        assert!(!body.to_string().contains("CANARY"), "{body}");
    }
}
both!(integrations_cross_between_the_apis);

async fn hint(app: &TestApp, seq: i64) -> Value {
    let int_id = prefixed_id(app, seq).await;
    let (_, first) = send(
        app,
        Method::GET,
        &format!("/api/integrations/{int_id}"),
        None,
    )
    .await;
    first["secrets"].clone()
}

async fn change_keys_replaces_secrets_and_nothing_else_does(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, created) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(json!({"integration": 4, "data": {"environment": "stage",
            "api_key": "SG.CANARYoriginal000000AAAA", "from_email": "a@example.com"}})),
    )
    .await;
    let seq = created["id"].as_i64().unwrap();
    let original = json!([{"field": "apiKey", "hint": "…AAAA"}]);
    assert_eq!(hint(&app, seq).await, original);
    let path = format!("/integrations/{seq}");

    // A secret without changeKeys is refused, naming the field and the fix.
    for data in [
        json!({"api_key": "SG.CANARYrefused0000000BBBB"}),
        json!({"api_key": "SG.CANARYrefused0000000BBBB", "changeKeys": false, "from_name": "x"}),
    ] {
        let (status, p) = send(&app, Method::PUT, &path, Some(json!({"data": data}))).await;
        assert_eq!(status, 422);
        assert_eq!(fields(&p), vec!["data.api_key"]);
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("changeKeys"),
            "{p}"
        );
        assert!(!p.to_string().contains("CANARY"));
    }
    // Without secrets, other fields merge and the stored secret is kept.
    let (status, body) = send(
        &app,
        Method::PUT,
        &path,
        Some(json!({"data": {"from_name": "Kept", "changeKeys": false}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(body["data"]["from_email"], "a@example.com");
    assert_eq!(hint(&app, seq).await, original);
    // With changeKeys, the secret sent replaces the stored one.
    let (status, body) = send(
        &app,
        Method::PUT,
        &path,
        Some(json!({"data": {"changeKeys": true, "api_key": "SG.CANARYreplaced000000CCCC"}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["changeKeys"], false);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(
        hint(&app, seq).await,
        json!([{"field": "apiKey", "hint": "…CCCC"}])
    );
    // changeKeys with no secret would leave the required key unset.
    let (status, p) = send(
        &app,
        Method::PUT,
        &path,
        Some(json!({"data": {"changeKeys": true}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["data.api_key"]);
    // The type is fixed; unknown fields are refused by name.
    let (status, p) = send(&app, Method::PUT, &path, Some(json!({"integration": 5}))).await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["integration"]);
    let (status, p) = send(
        &app,
        Method::PUT,
        &path,
        Some(json!({"data": {"fromName": "camel"}})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&p), vec!["data.fromName"]);

    // The secret set is replaced as a whole: a webhook's headers not sent
    // again are removed (its signing secret is generated anew).
    let (status, hook) = send(
        &app,
        Method::POST,
        "/integrations",
        Some(
            json!({"integration": 6, "data": {"url": "https://example.com/CANARY-hook",
            "headers": {"Authorization": "Bearer CANARY-header"}, "method": "PUT"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    let hook_seq = hook["id"].as_i64().unwrap();
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(hint(&app, hook_seq).await),
        vec!["headers", "signingSecret", "url"]
    );
    let (status, _) = send(
        &app,
        Method::PUT,
        &format!("/integrations/{hook_seq}"),
        Some(json!({"data": {"changeKeys": true, "url": "https://example.com/CANARY-new"}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        names(hint(&app, hook_seq).await),
        vec!["signingSecret", "url"]
    );
    let (_, list) = send(&app, Method::GET, "/integrations", None).await;
    assert_eq!(list["data"][1]["data"]["method"], "PUT");
    assert!(!list.to_string().contains("CANARY"), "{list}");
}
both!(change_keys_replaces_secrets_and_nothing_else_does);

async fn stale_if_match_is_412(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let res = app
        .admin(Method::POST, "/integrations")
        .json(&seed_request())
        .send()
        .await
        .unwrap();
    let first_tag = res.headers()["etag"].to_str().unwrap().to_string();
    let seq = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/integrations/{seq}");

    let res = app
        .admin(Method::PUT, &path)
        .header("if-match", &first_tag)
        .json(&json!({"data": {"from_name": "v2"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let second_tag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(first_tag, second_tag);

    // The first API's ETag is the same one.
    let int_id = prefixed_id(&app, seq).await;
    let res = app
        .admin(Method::GET, &format!("/api/integrations/{int_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"].to_str().unwrap(), second_tag);

    for (method, p, body) in [
        (
            Method::PUT,
            path.clone(),
            Some(json!({"data": {"from_name": "v3"}})),
        ),
        (
            Method::PATCH,
            format!("{path}/status"),
            Some(json!({"status": "inactive"})),
        ),
        (Method::DELETE, path.clone(), None),
    ] {
        let mut req = app.admin(method.clone(), &p).header("if-match", &first_tag);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 412, "{method} {p}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{method}"
        );
    }
    let (_, now) = send(&app, Method::GET, &path, None).await;
    assert_eq!(now["data"]["from_name"], "v2");
    assert_eq!(now["status"], "active");

    let res = app
        .admin(Method::PATCH, &format!("{path}/status"))
        .header("if-match", &second_tag)
        .json(&json!({"status": "inactive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let third_tag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .admin(Method::DELETE, &path)
        .header("if-match", &third_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}
both!(stale_if_match_is_412);

async fn twenty_concurrent_puts_leave_a_consistent_row(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, created) = send(&app, Method::POST, "/integrations", Some(seed_request())).await;
    let seq = created["id"].as_i64().unwrap();
    let path = format!("/integrations/{seq}");
    let writers = 20;
    // Each writer sets a name and an address of its own; the even ones also
    // replace the key (its last four characters name the writer).
    let mut tasks = Vec::new();
    for i in 0..writers {
        let client = app.client.clone();
        let url = app.url(&path);
        let key = app.admin_key.clone();
        tasks.push(tokio::spawn(async move {
            let mut data = json!({"from_name": format!("writer-{i:02}"),
                                  "from_email": format!("writer-{i:02}@example.com")});
            if i % 2 == 0 {
                data["changeKeys"] = json!(true);
                data["api_key"] = json!(format!("SG.CANARYconcurrent00000w{i:03}"));
            }
            let res = client
                .put(url)
                .bearer_auth(key)
                .json(&json!({"data": data}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }));
    }
    // Every writer succeeds: a losing writer re-reads and re-merges, and a
    // burst this size never exhausts its attempts.
    let mut ok = 0;
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
        ok += 1;
    }

    let (_, row) = send(&app, Method::GET, &path, None).await;
    let name = row["data"]["from_name"].as_str().unwrap().to_string();
    let writer = name.strip_prefix("writer-").unwrap().to_string();
    // Never half-merged: the address is the same writer's.
    assert_eq!(
        row["data"]["from_email"],
        format!("writer-{writer}@example.com")
    );
    // The key is the last writer's that sent one: if the winner sent a key,
    // it is its key.
    let n: usize = writer.parse().unwrap();
    let secrets = hint(&app, seq).await;
    assert_eq!(secrets.as_array().unwrap().len(), 1, "{secrets}");
    let tail = secrets[0]["hint"].as_str().unwrap().to_string();
    if n % 2 == 0 {
        assert_eq!(tail, format!("…w{n:03}"));
    } else {
        assert!(
            tail == "…xxxx" || tail.starts_with("…w"),
            "the key is a whole one: {tail}"
        );
    }
    // No lost update: every success moved the version by exactly one.
    let etag = app
        .admin(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let version: i64 = etag
        .trim_matches('"')
        .rsplit_once("-v")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert_eq!(version, 1 + ok, "{ok} successful updates");
}
both!(twenty_concurrent_puts_leave_a_consistent_row);
