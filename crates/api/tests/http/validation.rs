//! Bodies of the right syntax but the wrong shape answer 422, with one error
//! per invalid field, named by its path in the body, and change nothing.

use serde_json::{Value, json};

use crate::common::{
    Harness, SLACK_URL, create_integration, create_slack, get_integration, slack, test_integration,
    test_unsaved_integration, update_integration,
};

/// Fields sorted, for bodies with several errors.
fn sorted(mut fields: Vec<String>) -> Vec<String> {
    fields.sort();
    fields
}

#[actix_web::test]
async fn create_refuses_members_the_server_owns() {
    let h = Harness::new().await;
    let app = h.service().await;
    for (field, value) in [
        ("id", json!("int_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("isManaged", json!(true)),
        ("createdAt", json!("2024-01-01T00:00:00Z")),
        ("updatedAt", json!("2024-01-01T00:00:00Z")),
        ("orgId", json!("org_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("organizationId", json!("x")),
        ("secrets", json!([])),
    ] {
        let mut body = slack("x", SLACK_URL);
        body[field] = value;
        let r = create_integration(&app, &h.admin, &body).await;
        assert_eq!(r.fields(), [field]);
        let p = r.json();
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("not a field"), "{p}");
    }
    assert_eq!(h.store.count(), 0, "a refused body created something");
}

#[actix_web::test]
async fn create_names_the_invalid_fields() {
    let h = Harness::new().await;
    let app = h.service().await;
    let with = |member: &str, value: Value| {
        let mut body = slack("x", SLACK_URL);
        body[member] = value;
        body
    };
    let without = |member: &str| {
        let mut body = slack("x", SLACK_URL);
        body.as_object_mut().unwrap().remove(member);
        body
    };
    for (body, field) in [
        (with("type", json!("smoke-signals")), "type"),
        (without("type"), "type"),
        (without("name"), "name"),
        (with("name", json!("x".repeat(201))), "name"),
        (with("name", json!("   ")), "name"),
        (with("config", json!([])), "config"),
        (with("environment", json!("prod")), "environment"),
        (with("status", Value::Null), "status"),
    ] {
        let r = create_integration(&app, &h.admin, &body).await;
        assert_eq!(r.fields(), [field], "{body}");
    }
    assert_eq!(h.store.count(), 0, "a refused body created something");
}

/// Config errors: every one at once, each with its path, and the detail
/// counting them.
#[actix_web::test]
async fn create_names_every_invalid_config_field_at_once() {
    let h = Harness::new().await;
    let app = h.service().await;
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
            json!({"name": "s", "type": "sendgrid", "config": {
                "apiKey": "not-sendgrid", "fromEmail": "nobody", "region": "mars"}}),
            vec!["config.apiKey", "config.fromEmail", "config.region"],
        ),
        (
            json!({"name": "w", "type": "webhook", "config": {
                "url": "ftp://example.com", "method": "GET", "headers": {"Host": "x"}}}),
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
        let r = create_integration(&app, &h.admin, &body).await;
        assert_eq!(sorted(r.fields()), fields, "{body}");
        let n = fields.len();
        assert_eq!(
            r.json()["detail"],
            format!("The request has {n} invalid fields."),
            "{body}"
        );
    }
    assert_eq!(h.store.count(), 0, "a refused body created something");
}

#[actix_web::test]
async fn update_names_the_invalid_fields_and_changes_nothing() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    let before = get_integration(&app, &h.admin, &id).await;

    // Members an update may not set.
    for (member, value) in [
        ("type", json!("discord")),
        ("isManaged", json!(true)),
        ("id", json!("int_01jf8k2m3n4p5q6r7s8t9v0w1x")),
    ] {
        let r = update_integration(&app, &h.admin, &id, &json!({member: value})).await;
        assert_eq!(r.fields(), [member]);
    }
    let r = update_integration(&app, &h.admin, &id, &json!({"clearedConfigKeys": ["nope"]})).await;
    assert_eq!(r.fields(), ["clearedConfigKeys[0]"]);
    let r = update_integration(&app, &h.admin, &id, &json!({"name": ""})).await;
    assert_eq!(r.fields(), ["name"]);
    // Optional members may be left out, not sent as null.
    for member in [
        "name",
        "config",
        "environment",
        "status",
        "clearedConfigKeys",
    ] {
        let r = update_integration(&app, &h.admin, &id, &json!({member: null})).await;
        assert_eq!(r.fields(), [member]);
    }
    // A required secret cannot be cleared.
    let r = update_integration(
        &app,
        &h.admin,
        &id,
        &json!({"clearedConfigKeys": ["webhookUrl"]}),
    )
    .await;
    assert_eq!(r.fields(), ["config.webhookUrl"]);
    // Config errors, every one at once.
    let r = update_integration(
        &app,
        &h.admin,
        &id,
        &json!({"config": {"webhookUrl": "https://evil.example/x",
                           "channel": "no spaces allowed", "bogus": 1}}),
    )
    .await;
    assert_eq!(
        sorted(r.fields()),
        ["config.bogus", "config.channel", "config.webhookUrl"]
    );

    let after = get_integration(&app, &h.admin, &id).await;
    assert_eq!(after.expect(200), before.expect(200));
    assert_eq!(after.header("etag"), Some(format!("\"{id}-v1\"")));
}

#[actix_web::test]
async fn test_bodies_name_the_invalid_fields() {
    let h = Harness::new().await;
    let app = h.service().await;
    // An unsaved test of an invalid config.
    let r = test_unsaved_integration(
        &app,
        &h.admin,
        &json!({"type": "telegram", "config": {"botToken": "nope"}}),
    )
    .await;
    assert_eq!(sorted(r.fields()), ["config.botToken", "config.chatId"]);
    // A saved integration's test with an unknown member.
    let id = create_slack(&app, &h.admin, "s").await;
    let r = test_integration(&app, &h.admin, &id, Some(&json!({"overrides": {}}))).await;
    assert_eq!(r.fields(), ["overrides"]);
}
