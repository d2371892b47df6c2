//! Strict input, refused the same way on every route and in either
//! database, with nothing changed: names that do not show what they hold,
//! a Slack webhook on the wrong host (one error, on that field), bodies
//! that are not a JSON object or name a key twice, and query parameters an
//! endpoint does not take.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{SLACK_URL, TestApp, TestDatabase, etag, id_of, on_both_backends};

on_both_backends!(
    invisible_names_and_a_wrong_slack_host_are_refused_on_their_field,
    bodies_must_be_objects_that_name_each_key_once,
    unknown_or_invalid_query_parameters_answer_422_naming_them,
);

/// Names are refused, as control characters are, when they hold characters
/// that do not show what they are (a lone zero-width space, a right-to-left
/// override, a leading byte-order mark, a noncharacter); a Slack webhook URL
/// on the wrong host is one error on that field, not also "give either
/// webhookUrl or botToken", through either API.
async fn invisible_names_and_a_wrong_slack_host_are_refused_on_their_field(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    for name in [
        "\u{200B}",
        "invoice\u{202E}fdp.exe",
        "\u{FEFF}Ops",
        "Ops\u{FFFF}",
    ] {
        let r = admin
            .create_integration(
                &json!({"name": name, "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
            )
            .await;
        assert_eq!(r.fields(), ["name"], "{name:?}");
    }
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

    let created = admin
        .create_integration(
            &json!({"name": "s", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await
        .ok(201);
    let id = id_of(&created);
    for name in ["a\u{2066}b", "\u{200D}"] {
        let r = admin.update_integration(&id, &json!({"name": name})).await;
        assert_eq!(r.fields(), ["name"], "{name:?}");
    }
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
