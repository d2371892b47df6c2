//! Organizations see only their own integrations: another organization's
//! integration is indistinguishable from one that never existed.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::{
    Harness, SLACK_URL, call_as, create_slack, get_integration, integration_path,
    integration_test_path, json_body, list_integrations,
};

#[actix_web::test]
async fn other_organizations_integrations_answer_the_same_404_on_every_verb() {
    let h = Harness::new().await;
    let app = h.service().await;
    let theirs = create_slack(&app, &h.admin, "acme's").await;
    let never = patchbay_domain::IntegrationId::generate().to_string();
    let malformed = "int_nope".to_string();

    let requests = |id: &str| {
        vec![
            TestRequest::get().uri(&integration_path(id)),
            json_body(
                TestRequest::put().uri(&integration_path(id)),
                &json!({"name": "stolen"}),
            ),
            json_body(
                TestRequest::put()
                    .uri(&integration_path(id))
                    .insert_header((header::IF_MATCH, format!("\"{id}-v1\""))),
                &json!({"name": "stolen"}),
            ),
            TestRequest::delete().uri(&integration_path(id)),
            TestRequest::post().uri(&integration_test_path(id)),
            json_body(
                TestRequest::post().uri(&integration_test_path(id)),
                &json!({"configOverrides": {"webhookUrl": SLACK_URL}}),
            ),
        ]
    };
    type Answer = (u16, Value, Option<String>);
    let mut answers: Vec<Vec<Answer>> = Vec::new();
    for id in [&theirs, &never, &malformed] {
        let mut row = Vec::new();
        for req in requests(id) {
            let r = call_as(&app, &h.other_admin, req).await;
            r.problem(404);
            row.push((
                r.status,
                r.body_without_request_id(),
                r.header("content-type"),
            ));
        }
        answers.push(row);
    }
    assert_eq!(answers[0], answers[1], "cross-org differs from missing");
    assert_eq!(answers[0], answers[2], "cross-org differs from malformed");

    // Acme's integration is untouched: not renamed, not deleted, not tested.
    let mine = get_integration(&app, &h.admin, &theirs).await.expect(200);
    assert_eq!(mine["name"], "acme's");
    assert!(mine["lastTest"].is_null());
}

#[actix_web::test]
async fn a_list_shows_only_the_callers_organization() {
    let h = Harness::new().await;
    let app = h.service().await;
    let mine = create_slack(&app, &h.admin, "mine").await;
    let theirs = create_slack(&app, &h.other_admin, "theirs").await;
    for (key, id) in [(&h.admin, &mine), (&h.other_admin, &theirs)] {
        let page = list_integrations(&app, key, "").await.expect(200);
        assert_eq!(page["data"].as_array().unwrap().len(), 1, "{page}");
        assert_eq!(page["data"][0]["id"], id.as_str());
    }
}
