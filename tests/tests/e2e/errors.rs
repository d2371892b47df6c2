//! Refused requests change nothing in either database: bodies with invalid
//! members answer 422 naming every field, so do bodies that are not an
//! object or name a key twice, and unknown or invalid query parameters;
//! bodies over the limit answer 413 (with or without a `Content-Length`, on
//! the real server).

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SLACK_URL, TestApp, TestDatabase, etag, id_of, on_both_backends};

on_both_backends!(
    invalid_bodies_answer_422_naming_every_field,
    unknown_or_invalid_query_parameters_answer_422_naming_them,
    bodies_must_be_objects_that_name_each_key_once,
    bodies_over_the_limit_answer_413,
);

async fn invalid_bodies_answer_422_naming_every_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();

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
        let r = admin.create_integration(&body).await;
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
        // Names that do not show what they hold: refused, as control
        // characters are.
        (
            json!({"name": "\u{200B}", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
        (
            json!({"name": "invoice\u{202E}fdp.exe", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
        (
            json!({"name": "\u{FEFF}Ops", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
        (
            json!({"name": "Ops\u{FFFF}", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            vec!["name"],
        ),
    ] {
        assert_eq!(
            admin.create_integration(&body).await.fields(),
            fields,
            "{body}"
        );
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
        let r = admin.create_integration(&body).await;
        assert_eq!(r.fields(), fields, "{body}");
        let n = fields.len();
        assert_eq!(
            r.json()["detail"],
            format!("The request has {n} invalid fields."),
            "{body}"
        );
    }
    // A Slack webhook URL on the wrong host is one error, on that field:
    // not also "give either webhookUrl or botToken", through either API.
    let wrong_host = "https://hooks.example.com/services/T000/B000/XXXX";
    let r = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": wrong_host}}),
        )
        .await;
    assert_eq!(r.fields(), ["config.webhookUrl"]);
    assert!(r.text().contains("hooks.slack.com"), "{}", r.text());
    assert!(!r.text().contains("either"), "{}", r.text());
    let r = admin
        .type_id_create(&json!({"integration": 2, "data": {"webhook_url": wrong_host}}))
        .await;
    assert_eq!(r.fields(), ["data.webhook_url"]);
    assert!(!r.text().contains("either"), "{}", r.text());
    let (all, _) = admin.walk_integrations("limit=10").await;
    assert!(all.is_empty(), "a refused body created something: {all:?}");

    // Updates: the same rules, and nothing changes.
    let created = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await
        .ok(201);
    let id = id_of(&created);
    for (body, fields) in [
        (json!({"type": "discord"}), vec!["type"]),
        (json!({"isManaged": true}), vec!["isManaged"]),
        (json!({"id": "int_01jf8k2m3n4p5q6r7s8t9v0w1x"}), vec!["id"]),
        (json!({"name": ""}), vec!["name"]),
        (json!({"name": null}), vec!["name"]),
        (json!({"name": "a\u{2066}b"}), vec!["name"]),
        (json!({"name": "\u{200D}"}), vec!["name"]),
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
        assert_eq!(
            admin.update_integration(&id, &body).await.fields(),
            fields,
            "{body}"
        );
    }
    let r = admin
        .test_integration(&id, Some(&json!({"overrides": {}})))
        .await;
    assert_eq!(r.fields(), ["overrides"]);
    let r = admin
        .test_unsaved(&json!({"type": "telegram", "config": {"botToken": "nope"}}))
        .await;
    assert_eq!(r.fields(), ["config.botToken", "config.chatId"]);
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
}

/// A JSON array where an object is required was read field by field (a
/// create from `["a", "slack", {...}]`), and of a key given twice the last
/// silently won: both are refused, on every route that reads a body, and
/// nothing changes.
async fn bodies_must_be_objects_that_name_each_key_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await;
    let id = id_of(&created.ok(201));
    let tag = created.etag();
    let seq = admin.type_id_list("").await.ok(200)["data"][0]["id"]
        .as_i64()
        .unwrap();
    let routes = [
        (Method::POST, "/api/integrations".to_string()),
        (Method::PUT, format!("/api/integrations/{id}")),
        (Method::POST, format!("/api/integrations/{id}/test")),
        (Method::POST, "/api/integrations/test".to_string()),
        (Method::POST, format!("/api/integrations/{id}/send")),
        (Method::POST, "/integrations".to_string()),
        (Method::PUT, format!("/integrations/{seq}")),
        (Method::PATCH, format!("/integrations/{seq}/status")),
    ];
    let slack_array = format!(r#"["a", "slack", {{"webhookUrl": "{SLACK_URL}"}}]"#);
    for (method, path) in &routes {
        for text in [slack_array.as_str(), "[]", r#"["inactive"]"#, "\"x\"", "1"] {
            let r = admin.call_raw(method.clone(), path, text).await;
            assert_eq!(r.fields(), ["body"], "{method} {path} {text}");
        }
    }
    for (method, path, text, field) in [
        (
            Method::POST,
            "/api/integrations".to_string(),
            format!(
                r#"{{"name": "a", "name": "b", "type": "slack", "config": {{"webhookUrl": "{SLACK_URL}"}}}}"#
            ),
            "name",
        ),
        (
            Method::POST,
            "/api/integrations".to_string(),
            format!(
                r#"{{"name": "a", "type": "slack", "config": {{"webhookUrl": "{SLACK_URL}", "webhookUrl": "https://hooks.slack.com/services/T1/B1/Y"}}}}"#
            ),
            "config.webhookUrl",
        ),
        (
            Method::PUT,
            format!("/api/integrations/{id}"),
            r##"{"config": {"channel": "#a", "channel": "#b"}}"##.to_string(),
            "config.channel",
        ),
        (
            Method::POST,
            format!("/api/integrations/{id}/send"),
            r#"{"text": "a", "text": "b"}"#.to_string(),
            "text",
        ),
        (
            Method::PUT,
            format!("/integrations/{seq}"),
            r##"{"data": {"channel": "#a", "channel": "#b"}}"##.to_string(),
            "data.channel",
        ),
        (
            Method::PATCH,
            format!("/integrations/{seq}/status"),
            r#"{"status": "active", "status": "inactive"}"#.to_string(),
            "status",
        ),
    ] {
        let r = admin.call_raw(method.clone(), &path, &text).await;
        assert_eq!(r.fields(), [field], "{method} {path} {text}");
        assert_eq!(r.json()["errors"][0]["message"], "is given more than once");
    }
    let (all, _) = admin.walk_integrations("limit=10").await;
    assert_eq!(all, [id.as_str()], "a refused body created something");
    assert_eq!(admin.get_integration(&id).await.etag(), tag);
    let deliveries = admin.list_deliveries(&id, "").await.ok(200);
    assert_eq!(deliveries["data"], json!([]));
}

/// A chunked request (no `Content-Length`) over a raw connection; returns
/// the status and the response text.
/// Every endpoint that reads a query string refuses a parameter it does not
/// take, by name, instead of ignoring it (`?typ=slack` listing everything);
/// the refused request does nothing.
async fn unknown_or_invalid_query_parameters_answer_422_naming_them(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let slack = id_of(
        &admin
            .create_integration(
                &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            )
            .await
            .ok(201),
    );
    let send = format!("/api/integrations/{slack}/send");
    let message = json!({"text": "hello"});
    for (method, path, field) in [
        (
            Method::GET,
            "/api/integrations?typ=slack".to_string(),
            "typ",
        ),
        (
            Method::GET,
            "/api/integrations?type=slack&Limit=5".to_string(),
            "Limit",
        ),
        (Method::GET, "/integrations?type=slack".to_string(), "type"),
        (
            Method::GET,
            "/integrations?integration=3&page=2".to_string(),
            "page",
        ),
        (
            Method::GET,
            format!("/api/integrations/{slack}/deliveries?limt=5"),
            "limt",
        ),
        (
            Method::GET,
            "/api/audit-events?integration=1".to_string(),
            "integration",
        ),
        (Method::POST, format!("{send}?wiat=true"), "wiat"),
        (Method::POST, format!("{send}?wait=maybe"), "wait"),
        (Method::POST, format!("{send}?wait=1"), "wait"),
    ] {
        let body = (method == Method::POST).then_some(&message);
        let r = admin.call(method, &path, body).await;
        assert_eq!(r.fields(), [field], "{path}");
        let p = r.json();
        let text = p["errors"][0]["message"].as_str().unwrap();
        assert!(!text.is_empty(), "{path}: {p}");
    }
    // Nothing was sent by the refused sends.
    let deliveries = admin.list_deliveries(&slack, "").await.ok(200);
    assert_eq!(deliveries["data"], json!([]));
    // The parameters each endpoint takes still work.
    let page = admin.list_integrations("type=discord").await.ok(200);
    assert_eq!(page["data"], json!([]));
    let page = admin
        .type_id_list("integration=2&status=active")
        .await
        .ok(200);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    admin
        .call(Method::POST, &format!("{send}?wait=false"), Some(&message))
        .await
        .ok(202);
}

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

async fn bodies_over_the_limit_answer_413(db: TestDatabase) {
    let app = TestApp::spawn_with(db, &[("PATCHBAY__HTTP__MAX_BODY_BYTES", "2048")]).await;
    let admin = app.admin();
    let hook = |pad: usize| -> Value {
        json!({"name": "w", "type": "webhook",
               "config": {"url": "https://example.com/hook", "headers": {"X-Pad": "a".repeat(pad)}}})
    };
    assert!(serde_json::to_vec(&hook(1900)).unwrap().len() <= 2048);
    assert!(serde_json::to_vec(&hook(2100)).unwrap().len() > 2048);
    // Just under the limit is fine.
    let created = admin.create_integration(&hook(1900)).await.ok(201);
    let id = id_of(&created);

    let big_config = hook(2100)["config"].clone();
    for r in [
        admin.create_integration(&hook(2100)).await,
        admin.create_integration(&hook(20_000)).await,
        admin
            .update_integration(&id, &json!({"config": big_config}))
            .await,
        admin
            .test_integration(&id, Some(&json!({"configOverrides": big_config})))
            .await,
        admin
            .test_unsaved(&json!({"type": "webhook", "config": big_config}))
            .await,
    ] {
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
    app.anonymous()
        .create_integration(&hook(2100))
        .await
        .problem(401, "unauthorized");

    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let (all, _) = admin.walk_integrations("limit=10").await;
    assert_eq!(all, [id]);
}
