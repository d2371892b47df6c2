//! Bodies of the right syntax but the wrong shape answer 422, with one error
//! per invalid field, named by its path in the body, and change nothing.

use serde_json::json;

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
        ("orgId", json!("org_01jf8k2m3n4p5q6r7s8t9v0w1x")),
        ("organizationId", json!("x")),
    ] {
        let mut body = slack("x", SLACK_URL);
        body[field] = value;
        let r = create_integration(&app, &h.admin, &body).await;
        assert_eq!(r.fields(), [field]);
    }
    assert_eq!(h.store.count(), 0, "a refused body created something");
}

#[actix_web::test]
async fn create_names_the_invalid_fields() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = create_integration(
        &app,
        &h.admin,
        &json!({"name": "x", "type": "smoke-signals", "config": {}}),
    )
    .await;
    assert_eq!(r.fields(), ["type"]);
    let r = create_integration(&app, &h.admin, &json!({"type": "slack", "config": {}})).await;
    assert_eq!(r.fields(), ["name"]);
    let r = create_integration(
        &app,
        &h.admin,
        &json!({"name": "d", "type": "discord", "config": {
        "webhookUrl": "https://evil.example/api/webhooks/1/x", "username": 5, "bogus": true}}),
    )
    .await;
    assert_eq!(
        sorted(r.fields()),
        ["config.bogus", "config.username", "config.webhookUrl"]
    );
    assert_eq!(h.store.count(), 0, "a refused body created something");
}

#[actix_web::test]
async fn update_names_the_invalid_fields_and_changes_nothing() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    let before = get_integration(&app, &h.admin, &id).await;

    let r = update_integration(&app, &h.admin, &id, &json!({"type": "discord"})).await;
    assert_eq!(r.fields(), ["type"]);
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
