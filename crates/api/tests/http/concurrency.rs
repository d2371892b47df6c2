//! Optimistic concurrency: every integration carries a strong `ETag`
//! (`"{id}-v{version}"`), and `If-Match` makes a write conditional on it.

use serde_json::json;

use crate::common::{
    Harness, Key, Reply, TestApp, create_slack, delete_integration_if_match, get_integration,
    update_integration_if_match,
};

/// Rename the integration if it matches `if_match`.
async fn rename(app: &TestApp, key: &Key, id: &str, if_match: &str, name: &str) -> Reply {
    update_integration_if_match(app, key, id, if_match, &json!({"name": name})).await
}

#[actix_web::test]
async fn if_match_guards_updates() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "v").await;
    let v1 = format!("\"{id}-v1\"");
    let r = rename(&app, &h.admin, &id, &v1, "second").await;
    assert_eq!(r.status, 200);
    let v2 = r.header("etag").unwrap();
    assert_eq!(v2, format!("\"{id}-v2\""));

    // Stale, weak and another resource's tags fail the precondition; a
    // header that is not a list of entity tags is a malformed request.
    let other = patchbay_domain::IntegrationId::generate();
    for stale in [v1, format!("W/{v2}"), format!("\"{other}-v2\"")] {
        rename(&app, &h.admin, &id, &stale, "lost")
            .await
            .problem(412);
    }
    for malformed in ["garbage", "", "\"unterminated"] {
        rename(&app, &h.admin, &id, malformed, "lost")
            .await
            .problem(400);
    }
    let current = get_integration(&app, &h.admin, &id).await;
    assert_eq!(current.expect(200)["name"], "second");
    assert_eq!(current.header("etag"), Some(v2));

    // `*` matches any current version.
    let r = rename(&app, &h.admin, &id, "*", "third").await;
    assert_eq!(r.expect(200)["name"], "third");
    assert_eq!(r.header("etag"), Some(format!("\"{id}-v3\"")));
}

#[actix_web::test]
async fn if_match_guards_deletes() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = create_slack(&app, &h.admin, "v").await;
    let v1 = format!("\"{id}-v1\"");
    let r = rename(&app, &h.admin, &id, &v1, "second").await;
    let v2 = r.header("etag").unwrap();

    delete_integration_if_match(&app, &h.admin, &id, &v1)
        .await
        .problem(412);
    get_integration(&app, &h.admin, &id).await.expect(200);
    let r = delete_integration_if_match(&app, &h.admin, &id, &v2).await;
    assert_eq!(r.status, 204);
    get_integration(&app, &h.admin, &id).await.problem(404);
}
