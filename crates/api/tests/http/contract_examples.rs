//! The documented examples of `/api/integrations`, in their documented
//! order: create, list by type, get, update, test, delete.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::{
    Harness, SLACK_URL, VERDICT_MEMBERS, assert_millisecond_timestamp, call_as, create_integration,
    delete_integration, get_integration, integration_path, integration_test_path, json_body,
    list_integrations, members, test_integration, update_integration,
};

/// The members of an integration as create, get and update answer it.
const DETAIL_MEMBERS: [&str; 12] = [
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

/// What a list item leaves out of [`DETAIL_MEMBERS`]: it shows which
/// integrations work (last test, health), never their config.
const NOT_IN_LISTS: [&str; 2] = ["config", "secrets"];

#[actix_web::test]
async fn the_contract_examples_work_as_documented() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;

    // Create: the documented body.
    let r = create_integration(
        &app,
        key,
        &json!({
            "name": "My Slack Integration",
            "type": "slack",
            "config": {"webhookUrl": SLACK_URL}
        }),
    )
    .await;
    let created = r.expect(201);
    let id = r.id();
    assert!(id.starts_with("int_"));
    assert_eq!(r.header("location"), Some(integration_path(&id)));
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v1\"")));
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
    assert_eq!(members(&created), DETAIL_MEMBERS);
    assert_millisecond_timestamp(&created["createdAt"]);
    assert_eq!(created["createdAt"], created["updatedAt"]);

    // Another type, to see the filter work.
    create_integration(
        &app,
        key,
        &json!({"name": "My Discord", "type": "discord",
               "config": {"webhookUrl": "https://discord.com/api/webhooks/123/abcdefghijklmnop", "username": "patchbay"}}),
    )
    .await
    .expect(201);

    // List with ?type=: summaries, the detail without config or secrets.
    let list = list_integrations(&app, key, "type=slack").await.expect(200);
    assert_eq!(members(&list), ["data", "nextCursor"]);
    assert_eq!(list["nextCursor"], Value::Null);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    let summary: Vec<&str> = DETAIL_MEMBERS
        .into_iter()
        .filter(|m| !NOT_IN_LISTS.contains(m))
        .collect();
    assert_eq!(members(&data[0]), summary);
    for m in summary {
        assert_eq!(data[0][m], created[m], "{m}");
    }

    // Get.
    let r = get_integration(&app, key, &id).await;
    assert_eq!(r.expect(200), created);
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v1\"")));

    // Update: the documented body.
    let new_url = "https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYNEW1";
    let r = update_integration(
        &app,
        key,
        &id,
        &json!({"name": "Updated Name", "config": {"webhookUrl": new_url}}),
    )
    .await;
    let updated = r.expect(200);
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v2\"")));
    assert_eq!(members(&updated), DETAIL_MEMBERS);
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["name"], "Updated Name");
    assert_eq!(updated["config"], json!({}));
    assert_eq!(
        updated["secrets"],
        json!([{"field": "webhookUrl", "hint": "…NEW1"}])
    );
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert_millisecond_timestamp(&updated["updatedAt"]);
    assert!(updated["updatedAt"].as_str() >= created["updatedAt"].as_str());
    assert_eq!(get_integration(&app, key, &id).await.expect(200), updated);

    // Test, with the documented optional body.
    let overrides = json!({"configOverrides": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/ZZZZ"}});
    let t = test_integration(&app, key, &id, Some(&overrides))
        .await
        .expect(200);
    assert_eq!(members(&t), VERDICT_MEMBERS);
    assert_eq!(t["status"], "success");
    assert_eq!(t["message"], "Integration test successful");
    assert!(t["latencyMs"].as_i64().is_some_and(|l| l >= 0), "{t}");
    assert_millisecond_timestamp(&t["testedAt"]);
    // A test with overrides is not recorded and changes no version.
    let r = get_integration(&app, key, &id).await;
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v2\"")));
    assert_eq!(r.expect(200), updated);

    // A test without overrides, and with no body at all, is recorded: the
    // verdict is the last test, and a test is not a change.
    let t = test_integration(&app, key, &id, None).await.expect(200);
    let r = get_integration(&app, key, &id).await;
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v2\"")));
    let got = r.expect(200);
    assert_eq!(got["lastTest"], t);
    assert_eq!(got["updatedAt"], updated["updatedAt"]);

    // Delete, then every verb answers 404.
    let r = delete_integration(&app, key, &id).await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    for req in [
        TestRequest::get().uri(&integration_path(&id)),
        json_body(
            TestRequest::put().uri(&integration_path(&id)),
            &json!({"name": "x"}),
        ),
        TestRequest::delete().uri(&integration_path(&id)),
        TestRequest::post().uri(&integration_test_path(&id)),
    ] {
        call_as(&app, key, req).await.problem(404);
    }
    let list = list_integrations(&app, key, "type=slack").await.expect(200);
    assert_eq!(list["data"], json!([]));
}
