//! Organizations are isolated in the database on both backends: another
//! organization's integration answers exactly like one that never existed,
//! on every verb, and lists never cross.

use serde_json::{Value, json};

use crate::helpers::{SLACK_URL, TestApp, TestDatabase, etag, id_of, on_both_backends};

on_both_backends!(other_organizations_integrations_answer_the_never_existing_404);

async fn other_organizations_integrations_answer_the_never_existing_404(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let theirs = admin
        .create_integration(
            &json!({"name": "acme's", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await
        .ok(201);
    let theirs = id_of(&theirs);
    let before = admin.get_integration(&theirs).await;
    let before_etag = before.header("etag");
    let before = before.ok(200);
    let stranger = app.with_key(&app.key_for("org-b", "admin").await);
    let never = patchbay_domain::IntegrationId::generate().to_string();

    type Answer = (u16, Option<String>, Option<String>, Value);
    let answers = |id: String| {
        let stranger = stranger.clone();
        async move {
            // The tag this integration would have at version 1.
            let tag = etag(&id, 1);
            let stolen = json!({"name": "stolen"});
            let mut out: Vec<Answer> = Vec::new();
            for r in [
                stranger.get_integration(&id).await,
                stranger.update_integration(&id, &stolen).await,
                stranger.update_integration(&id, &json!({"name": ""})).await,
                stranger
                    .if_match(&tag)
                    .update_integration(&id, &stolen)
                    .await,
                stranger
                    .if_match("*")
                    .update_integration(&id, &stolen)
                    .await,
                stranger.delete_integration(&id).await,
                stranger.if_match(&tag).delete_integration(&id).await,
                stranger.test_integration(&id, None).await,
                stranger
                    .test_integration(
                        &id,
                        Some(&json!({"configOverrides": {"webhookUrl": SLACK_URL}})),
                    )
                    .await,
            ] {
                r.problem(404, "not-found");
                out.push((
                    r.status,
                    r.header("content-type"),
                    r.header("www-authenticate"),
                    r.body_without_request_id(),
                ));
            }
            out
        }
    };
    let cross = answers(theirs.clone()).await;
    let missing = answers(never).await;
    let malformed = answers("int_nope".to_string()).await;
    assert_eq!(
        cross, missing,
        "another organization's id differs from a missing one"
    );
    assert_eq!(
        cross, malformed,
        "another organization's id differs from a malformed one"
    );

    // Org B's lists never show org A's rows, and show its own.
    for q in ["", "type=slack", "status=active&environment=production"] {
        let r = stranger.list_integrations(q).await;
        assert_eq!(r.ok(200), json!({"data": [], "nextCursor": null}), "{q}");
    }
    let r = stranger
        .create_integration(
            &json!({"name": "b's", "type": "slack", "config": {"webhookUrl": SLACK_URL}}),
        )
        .await;
    let mine = id_of(&r.ok(201));
    let (b_ids, _) = stranger.walk_integrations("limit=10").await;
    assert_eq!(b_ids, std::slice::from_ref(&mine));
    let (a_ids, _) = admin.walk_integrations("limit=10").await;
    assert_eq!(a_ids, std::slice::from_ref(&theirs));
    // ...and org A cannot reach org B's either.
    admin.get_integration(&mine).await.problem(404, "not-found");

    // Org A's integration is exactly as it was: not renamed, deleted or
    // tested.
    let after = admin.get_integration(&theirs).await;
    assert_eq!(after.header("etag"), before_etag);
    assert_eq!(after.ok(200), before);
}
