//! The test endpoints (`POST /api/integrations/{id}/test` and
//! `POST /api/integrations/test`): the provider's verdict, success or not,
//! is a 200; only a request the API cannot take is an error.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::common::{
    Harness, VERDICT_MEMBERS, call_as, create_integration, create_slack, get_integration,
    integration_test_path, list_integrations, members, test_integration, test_unsaved_integration,
};

#[actix_web::test]
async fn an_empty_body_is_no_body_but_a_non_empty_one_must_be_json() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "s").await;
    // An empty body with a JSON content type is "no body".
    let r = call_as(
        &app,
        &h.admin,
        TestRequest::post()
            .uri(&integration_test_path(&id))
            .insert_header((header::CONTENT_TYPE, "application/json")),
    )
    .await;
    assert_eq!(r.expect(200)["status"], "success");
    // A non-empty body must be JSON.
    call_as(
        &app,
        &h.admin,
        TestRequest::post()
            .uri(&integration_test_path(&id))
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("configOverrides"),
    )
    .await
    .problem(415);
}

#[actix_web::test]
async fn a_failed_test_is_a_200_with_the_error_verdict() {
    let h = Harness::new().await;
    let app = h.service().await;
    // A type without a provider in this app: an honest error, still 200.
    let discord = json!({"webhookUrl": "https://discord.com/api/webhooks/1/abc"});
    let t = test_unsaved_integration(
        &app,
        &h.admin,
        &json!({"type": "discord", "environment": "stage", "config": discord}),
    )
    .await
    .expect(200);
    assert_eq!(t["status"], "error");
    assert_eq!(t["code"], "provider_unavailable");
    let mut with_code = VERDICT_MEMBERS.to_vec();
    with_code.insert(0, "code");
    assert_eq!(members(&t), with_code);
    assert_eq!(h.store.count(), 0, "an unsaved test saved something");

    // Saved, the failure is recorded as the last test, without its code,
    // and is not a change.
    let r = create_integration(
        &app,
        &h.admin,
        &json!({"name": "d", "type": "discord", "config": discord}),
    )
    .await;
    let created = r.expect(201);
    let id = r.id();
    let t = test_integration(&app, &h.admin, &id, None)
        .await
        .expect(200);
    assert_eq!(t["code"], "provider_unavailable");
    let r = get_integration(&app, &h.admin, &id).await;
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v1\"")));
    let got = r.expect(200);
    assert_eq!(
        got["lastTest"],
        json!({"status": "error", "message": t["message"],
               "latencyMs": t["latencyMs"], "testedAt": t["testedAt"]})
    );
    assert_eq!(got["updatedAt"], created["updatedAt"]);
    // A list shows the same verdict and health, so that a failing
    // integration can be found without opening each one.
    let list = list_integrations(&app, &h.admin, "").await.expect(200);
    assert_eq!(list["data"][0]["lastTest"], got["lastTest"]);
    assert_eq!(list["data"][0]["health"], got["health"]);
    assert_eq!(list["data"][0]["health"]["status"], "unhealthy");
}

#[actix_web::test]
async fn an_unsaved_test_saves_nothing() {
    let h = Harness::new().await;
    let app = h.service().await;
    let t = test_unsaved_integration(
        &app,
        &h.admin,
        &json!({"type": "slack", "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/XXXX"}}),
    )
    .await
    .expect(200);
    assert_eq!(t["status"], "success");
    assert_eq!(members(&t), VERDICT_MEMBERS);
    assert_eq!(h.store.count(), 0, "an unsaved test saved something");
}
