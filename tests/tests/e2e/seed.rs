//! The first seed's documented flow, over HTTP against the real app.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp};

async fn first_seed_flow_works_as_documented(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let canary = "CANARY-seed-9f3b2c";
    let res = app
        .admin(Method::POST, "/api/integrations")
        .json(&json!({"name": "My Slack Integration", "type": "slack",
                      "config": {"webhookUrl": format!("https://hooks.slack.com/services/T000/B000/{canary}")}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("int_"));
    assert_eq!(location, format!("/api/integrations/{id}"));

    let list: Value = app
        .admin(Method::GET, "/api/integrations?type=slack")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = &list["data"][0];
    for field in ["id", "name", "type", "isManaged", "createdAt", "updatedAt"] {
        assert!(item.get(field).is_some(), "list item has {field}: {item}");
    }
    assert_eq!(item["type"], "slack");
    assert_eq!(item["isManaged"], false);
    assert!(
        item.get("config").is_none(),
        "config is excluded from lists"
    );
    let other: Value = app
        .admin(Method::GET, "/api/integrations?type=discord")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["data"], json!([]));

    let got = app
        .admin(Method::GET, &format!("/api/integrations/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    let got: Value = got.json().await.unwrap();
    assert!(
        got["config"].get("webhookUrl").is_none(),
        "secrets are absent: {got}"
    );

    let res = app
        .admin(Method::PUT, &format!("/api/integrations/{id}"))
        .json(&json!({"name": "Updated Name", "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/new"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["name"], "Updated Name");

    // Another organization cannot see it, and cannot tell it exists.
    let stranger = app.key_for("other-org", "admin").await;
    let theirs = app
        .client
        .get(app.url(&format!("/api/integrations/{id}")))
        .bearer_auth(&stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);

    let res = app
        .admin(Method::DELETE, &format!("/api/integrations/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .admin(Method::GET, &format!("/api/integrations/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    for body in [&list, &got, &updated] {
        assert!(!body.to_string().contains(canary));
    }
}
both!(first_seed_flow_works_as_documented);
