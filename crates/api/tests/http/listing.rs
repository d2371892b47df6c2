//! `GET /api/integrations`: cursor pages, filters, and query errors.

use serde_json::json;

use crate::common::{Harness, Key, SLACK_URL, TestApp, create_integration, list_integrations};

/// Create seven Slack integrations, four in stage and three in production,
/// and return their ids.
async fn create_seven(app: &TestApp, key: &Key) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..7 {
        let environment = if i % 2 == 0 { "stage" } else { "production" };
        let body = json!({"name": format!("n{i}"), "type": "slack", "environment": environment,
                          "config": {"webhookUrl": SLACK_URL}});
        let r = create_integration(app, key, &body).await;
        r.expect(201);
        ids.push(r.id());
    }
    ids
}

#[actix_web::test]
async fn pages_list_every_row_once_in_id_order() {
    let h = Harness::new().await;
    let app = h.service().await;
    let mut expected = create_seven(&app, &h.admin).await;
    expected.sort();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=3&cursor={c}"),
            None => "limit=3".to_string(),
        };
        let page = list_integrations(&app, &h.admin, &query).await.expect(200);
        pages += 1;
        for item in page["data"].as_array().unwrap() {
            assert!(item.get("config").is_none());
            seen.push(item["id"].as_str().unwrap().to_string());
        }
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);
}

#[actix_web::test]
async fn filters_combine() {
    let h = Harness::new().await;
    let app = h.service().await;
    create_seven(&app, &h.admin).await;
    let page = list_integrations(&app, &h.admin, "environment=stage&status=active")
        .await
        .expect(200);
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    let page = list_integrations(&app, &h.admin, "environment=production&status=inactive")
        .await
        .expect(200);
    assert_eq!(page["data"], json!([]));
}

#[actix_web::test]
async fn invalid_query_parameters_answer_422_naming_them() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = list_integrations(
        &app,
        &h.admin,
        "type=nope&limit=0&status=on&environment=prod",
    )
    .await;
    let mut fields = r.fields();
    fields.sort();
    assert_eq!(fields, ["environment", "limit", "status", "type"]);

    for (bad, field) in [
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let r = list_integrations(&app, &h.admin, bad).await;
        assert_eq!(r.fields(), [field], "{bad}");
    }
}

#[actix_web::test]
async fn a_repeated_query_parameter_is_a_bad_request() {
    let h = Harness::new().await;
    let app = h.service().await;
    list_integrations(&app, &h.admin, "type=slack&type=discord")
        .await
        .problem(400);
}
