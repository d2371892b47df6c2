//! The `/api/integrations` routes on both databases: an integration reads
//! back exactly as each change answered it (its documented shapes are the
//! api crate's, `crates/api/tests/http/contract_examples.rs`), versions and
//! `If-Match`, and concurrent updates merged without losing one.

use serde_json::{Value, json};

use crate::helpers::{
    SENDGRID_KEY, SLACK_URL, TestApp, TestDatabase, etag, id_of, mocks, on_both_backends,
};

on_both_backends!(
    an_integration_reads_back_as_it_was_answered,
    stale_if_match_answers_412_and_changes_nothing,
    concurrent_updates_are_merged_never_lost_or_half_applied,
    an_update_that_changes_nothing_changes_nothing_in_either_api,
    an_invalid_body_answers_422_whatever_the_if_match,
);

async fn an_integration_reads_back_as_it_was_answered(db: TestDatabase) {
    let mock = mocks::slack_and_webhooks().await;
    let app = TestApp::spawn_against(db, &mock, &[]).await;
    let admin = app.admin();
    let url = |path: &str| format!("{}/hooks/{path}", mock.uri());

    // Created: read back and listed as answered.
    let created = admin
        .create_integration(
            &json!({"name": "hook", "type": "webhook", "config": {"url": url("ok")}}),
        )
        .await
        .ok(201);
    let id = id_of(&created);
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(r.ok(200), created);
    let list = admin.list_integrations("").await.ok(200);
    let item = list["data"][0].as_object().unwrap();
    for (member, value) in item {
        assert_eq!(value, &created[member], "{member}");
    }

    // Updated, a secret replaced: read back as answered, created at the
    // same time.
    let updated = admin
        .update_integration(
            &id,
            &json!({"name": "renamed", "config": {"url": url("ok?v=2")}}),
        )
        .await
        .ok(200);
    assert_ne!(updated["secrets"], created["secrets"]);
    assert_eq!(updated["createdAt"], created["createdAt"]);
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));
    assert_eq!(r.ok(200), updated);

    // Tested: the verdict is recorded as answered, and is not a change.
    let t = admin.test_integration(&id, None).await.ok(200);
    assert_eq!(t["status"], "success", "{t}");
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));
    let got = r.ok(200);
    assert_eq!(got["lastTest"], t);
    assert_eq!(got["updatedAt"], updated["updatedAt"]);

    // Deleted: gone.
    assert_eq!(admin.delete_integration(&id).await.status, 204);
    admin.get_integration(&id).await.problem(404, "not-found");
    let (all, _) = admin.walk_integrations("limit=50").await;
    assert!(all.is_empty(), "{all:?}");
}

async fn stale_if_match_answers_412_and_changes_nothing(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let slack =
        |name: &str| json!({"name": name, "type": "slack", "config": {"webhookUrl": SLACK_URL}});
    let id = id_of(&admin.create_integration(&slack("v1")).await.ok(201));
    let other = id_of(&admin.create_integration(&slack("o")).await.ok(201));
    let put = |tag: &str, name: &str| {
        let admin = admin.if_match(tag);
        let id = id.clone();
        let body = json!({"name": name});
        async move { admin.update_integration(&id, &body).await }
    };

    let r = admin.get_integration(&id).await;
    let v1 = r.header("etag").unwrap();
    assert_eq!(v1, etag(&id, 1));
    let r = put(&v1, "v2").await;
    assert_eq!(r.ok(200)["name"], "v2");
    let v2 = r.header("etag").unwrap();
    assert_eq!(v2, etag(&id, 2));
    let at_v2 = admin.get_integration(&id).await.ok(200);

    for stale in [
        v1.clone(),
        format!("W/{v2}"),
        etag(&other, 2),
        etag(&other, 1),
        etag(&id, 3),
    ] {
        put(&stale, "lost")
            .await
            .problem(412, "precondition-failed");
        let r = admin.get_integration(&id).await;
        assert_eq!(r.header("etag"), Some(v2.clone()), "{stale}");
        assert_eq!(r.ok(200), at_v2, "{stale}");
    }
    // A header that is not an entity tag never lets the change through
    // (docs/api.md says 412; the API is moving to 400 for malformed ones).
    for malformed in ["garbage", "\"unterminated"] {
        let r = put(malformed, "lost").await;
        assert!(
            r.status == 400 || r.status == 412,
            "{malformed}: {}",
            r.text()
        );
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        assert_eq!(
            admin.get_integration(&id).await.ok(200),
            at_v2,
            "{malformed}"
        );
    }
    let r = put("*", "v3").await;
    assert_eq!(r.ok(200)["name"], "v3");
    let v3 = r.header("etag").unwrap();
    assert_eq!(v3, etag(&id, 3));
    // The current tag in a list with another integration's matches.
    let r = put(&format!("{}, {v3}", etag(&other, 1)), "v4").await;
    assert_eq!(r.ok(200)["name"], "v4");
    let v4 = r.header("etag").unwrap();
    assert_eq!(v4, etag(&id, 4));

    for stale in [v3.clone(), format!("W/{v4}"), etag(&other, 1)] {
        admin
            .if_match(&stale)
            .delete_integration(&id)
            .await
            .problem(412, "precondition-failed");
        assert_eq!(
            admin.get_integration(&id).await.header("etag"),
            Some(v4.clone())
        );
    }
    let r = admin.if_match(&v4).delete_integration(&id).await;
    assert_eq!(r.status, 204, "{}", r.text());
    admin.get_integration(&id).await.problem(404, "not-found");
    // Gone is 404, whatever the tag.
    put(&v4, "v5").await.problem(404, "not-found");
    // The other integration was never touched.
    assert_eq!(
        admin.get_integration(&other).await.header("etag"),
        Some(etag(&other, 1))
    );
}

async fn concurrent_updates_are_merged_never_lost_or_half_applied(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin
        .create_integration(&json!({"name": "start", "type": "sendgrid",
               "config": {"apiKey": SENDGRID_KEY, "fromEmail": "start@example.com", "fromName": "start"}}))
        .await
        .ok(201);
    let id = id_of(&created);
    // Even writers change the name and fromName together; odd writers change
    // fromEmail and region together.
    let change = |i: usize| {
        if i % 2 == 0 {
            json!({"name": format!("writer {i}"), "config": {"fromName": format!("writer {i}")}})
        } else {
            json!({"config": {"fromEmail": format!("w{i}@example.com"),
                              "region": if i % 4 == 1 { "eu" } else { "global" }}})
        }
    };
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (admin, id, body) = (admin.clone(), id.clone(), change(i));
            tokio::spawn(async move { (i, admin.update_integration(&id, &body).await) })
        })
        .collect();
    let mut done: Vec<(u32, usize, Value)> = Vec::new();
    for task in tasks {
        let (i, r) = task.await.unwrap();
        if r.status == 409 {
            r.problem(409, "conflict");
            continue;
        }
        let body = r.ok(200);
        let tag = r.header("etag").unwrap();
        let version: u32 = tag
            .strip_prefix(&format!("\"{id}-v"))
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("an ETag of this integration: {tag}"));
        done.push((version, i, body));
    }
    assert!(!done.is_empty(), "some update succeeds");
    done.sort_by_key(|(v, _, _)| *v);
    let versions: Vec<u32> = done.iter().map(|(v, _, _)| *v).collect();
    let k = u32::try_from(done.len()).unwrap();
    assert_eq!(
        versions,
        (2..2 + k).collect::<Vec<_>>(),
        "each success is exactly one new version: none lost, none shared"
    );
    // Replaying the successes in version order gives each answer exactly:
    // every update saw all earlier ones, and applied all of itself.
    let mut state = created.clone();
    for (version, i, body) in &done {
        let c = change(*i);
        if let Some(name) = c.get("name") {
            state["name"] = name.clone();
        }
        for (k, v) in c["config"].as_object().unwrap() {
            state["config"][k] = v.clone();
        }
        state["updatedAt"] = body["updatedAt"].clone();
        assert_eq!(body, &state, "v{version} (writer {i})");
    }
    let r = admin.get_integration(&id).await;
    assert_eq!(r.header("etag"), Some(etag(&id, 1 + k)));
    let last = r.ok(200);
    assert_eq!(last, done.last().unwrap().2);
    assert_eq!(
        last["secrets"],
        json!([{"field": "apiKey", "hint": "…aaaa"}]),
        "the secret is kept"
    );
    assert_eq!(last["createdAt"], created["createdAt"]);
}

/// An update that changes nothing (the same name, the same config, secrets
/// included, the same status) keeps the version, `updatedAt` and so every
/// client's ETag, and records no audit event, through either API; a real
/// change after it still moves the version by one.
async fn an_update_that_changes_nothing_changes_nothing_in_either_api(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let config = json!({"apiKey": SENDGRID_KEY, "fromEmail": "ops@example.com", "fromName": "Ops"});
    let body =
        json!({"name": "mail", "type": "sendgrid", "environment": "stage", "config": config});
    let created = admin.create_integration(&body).await;
    let id = id_of(&created.ok(201));
    let tag = created.etag();
    let before = admin.get_integration(&id).await.ok(200);
    let events = || async { admin.audit_events("").await.ok(200)["data"].clone() };
    let trail = events().await;

    for (what, change) in [
        ("an empty update", json!({})),
        ("the same name", json!({"name": "mail"})),
        ("the same name, padded", json!({"name": "  mail "})),
        ("the same config", json!({"config": config})),
        ("one field again", json!({"config": {"fromName": "Ops"}})),
        (
            "everything again",
            json!({"name": "mail", "environment": "stage", "status": "active", "config": config}),
        ),
    ] {
        let r = admin.if_match(&tag).update_integration(&id, &change).await;
        assert_eq!(r.ok(200), before, "{what}");
        assert_eq!(r.etag(), tag, "{what}");
    }
    let seq = admin.type_id_list("").await.ok(200)["data"][0]["id"]
        .as_i64()
        .unwrap();
    let r = admin
        .type_id_update(
            seq,
            &json!({"status": "active", "data": {"from_name": "Ops", "environment": "stage"}}),
        )
        .await;
    r.ok(200);
    assert_eq!(r.etag(), tag);
    let r = admin
        .type_id_update(
            seq,
            &json!({"data": {"changeKeys": true, "api_key": SENDGRID_KEY}}),
        )
        .await;
    r.ok(200);
    assert_eq!(r.etag(), tag);
    let r = admin
        .type_id_set_status(seq, &json!({"status": "active"}))
        .await;
    r.ok(200);
    assert_eq!(r.etag(), tag);
    assert_eq!(admin.get_integration(&id).await.ok(200), before);
    assert_eq!(events().await, trail, "a no-op update recorded an event");

    // A stale tag is still refused, even for a no-op.
    let renamed = admin
        .if_match(&tag)
        .update_integration(&id, &json!({"name": "mail 2"}))
        .await;
    assert_eq!(renamed.ok(200)["name"], "mail 2");
    assert_eq!(renamed.etag(), etag(&id, 2));
    admin
        .if_match(&tag)
        .update_integration(&id, &json!({"name": "mail 2"}))
        .await
        .problem(412, "precondition-failed");
}

/// Validation comes before preconditions, for every shape of tag that does
/// not match: an invalid body answers 422 (fix it either way), the same
/// tag with a valid body 412, through both APIs.
async fn an_invalid_body_answers_422_whatever_the_if_match(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let slack =
        |name: &str| json!({"name": name, "type": "slack", "config": {"webhookUrl": SLACK_URL}});
    let id = id_of(&admin.create_integration(&slack("a")).await.ok(201));
    let other = id_of(&admin.create_integration(&slack("b")).await.ok(201));
    let current = admin
        .update_integration(&id, &json!({"name": "a2"}))
        .await
        .etag();
    assert_eq!(current, etag(&id, 2));
    let tags = [
        etag(&id, 1),
        format!("W/{current}"),
        etag(&other, 1),
        format!("\"{id}-vx\""),
        format!("{current}, {}", etag(&id, 1)),
        format!("{}, {}", etag(&other, 1), etag(&id, 1)),
    ];
    let seq = admin.type_id_list("").await.ok(200)["data"][0]["id"]
        .as_i64()
        .unwrap();
    for tag in &tags {
        let client = admin.if_match(tag);
        for invalid in [
            json!({"name": ""}),
            json!({"config": {"webhookUrl": "ftp://example.com/hook"}}),
            json!({"name": "x", "config": {"channel": 5}}),
        ] {
            let r = client.update_integration(&id, &invalid).await;
            assert_eq!(r.status, 422, "{tag} {invalid}: {}", r.text());
        }
        for invalid in [
            json!({"data": {"username": 5}}),
            json!({"integration": 1, "data": {}}),
        ] {
            let r = client.type_id_update(seq, &invalid).await;
            assert_eq!(r.status, 422, "{tag} {invalid}: {}", r.text());
        }
        let r = client
            .type_id_set_status(seq, &json!({"status": "on"}))
            .await;
        assert_eq!(r.status, 422, "{tag}: {}", r.text());

        // A valid body with the same tag fails the precondition.
        client
            .update_integration(&id, &json!({"name": "a3"}))
            .await
            .problem(412, "precondition-failed");
        client
            .type_id_update(seq, &json!({"status": "inactive"}))
            .await
            .problem(412, "precondition-failed");
        client
            .type_id_set_status(seq, &json!({"status": "inactive"}))
            .await
            .problem(412, "precondition-failed");
        client
            .delete_integration(&id)
            .await
            .problem(412, "precondition-failed");
    }
    let after = admin.get_integration(&id).await;
    assert_eq!(after.etag(), current, "a refused request changed the row");
}
