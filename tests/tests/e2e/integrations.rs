//! The `/api/integrations` routes on both databases: the contract's Slack
//! example with every documented shape, versions and `If-Match`, and
//! concurrent updates merged without losing one.

use serde_json::{Value, json};

use crate::helpers::{
    DETAIL_KEYS, SENDGRID_KEY, SLACK_URL, SUMMARY_KEYS, TestApp, TestDatabase, assert_timestamp,
    assert_verdict, etag, id_of, keys, mocks, on_both_backends,
};

on_both_backends!(
    the_slack_example_of_the_contract_answers_its_documented_shapes,
    stale_if_match_answers_412_and_changes_nothing,
    concurrent_updates_are_merged_never_lost_or_half_applied,
    an_update_that_changes_nothing_changes_nothing_in_either_api,
    an_invalid_body_answers_422_whatever_the_if_match,
);

/// A Slack test's verdict: a real success, or the honest answer of a build
/// without the Slack provider; never anything else.
#[track_caller]
fn assert_slack_verdict(t: &Value) {
    assert_verdict(t);
    assert!(
        t["status"] == "success" && t.get("code").is_none()
            || t["status"] == "error" && t["code"] == "provider_unavailable",
        "{t}"
    );
}

async fn the_slack_example_of_the_contract_answers_its_documented_shapes(db: TestDatabase) {
    let mock = mocks::slack_and_webhooks().await;
    let app = TestApp::spawn_against(db, &mock, &[]).await;
    let admin = app.admin();

    // Create, with the contract's body.
    let r = admin
        .create_integration(&json!({
            "name": "My Slack Integration",
            "type": "slack",
            "config": {"webhookUrl": SLACK_URL}
        }))
        .await;
    let created = r.ok(201);
    let id = id_of(&created);
    assert!(id.starts_with("int_"), "{id}");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/integrations/{id}"))
    );
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));
    assert_eq!(keys(&created), DETAIL_KEYS);
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
    assert_timestamp(&created["createdAt"]);
    assert_eq!(created["createdAt"], created["updatedAt"]);

    // List: `{"data": [...]}` with the documented item members, no config.
    let list = admin.list_integrations("").await.ok(200);
    assert_eq!(keys(&list), ["data", "nextCursor"]);
    assert_eq!(list["nextCursor"], Value::Null);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(keys(&data[0]), SUMMARY_KEYS);
    for k in SUMMARY_KEYS {
        assert_eq!(data[0][k], created[k], "{k}");
    }

    // Get: the same representation, the same version.
    let r = admin.get_integration(&id).await;
    assert_eq!(r.ok(200), created);
    assert_eq!(r.header("etag"), Some(etag(&id, 1)));

    // Update, with the contract's body.
    let r = admin
        .update_integration(
            &id,
            &json!({"name": "Updated Name",
                    "config": {"webhookUrl": "https://hooks.slack.com/services/T000/B000/YYYYYYYYYYYYNEW1"}}),
        )
        .await;
    let updated = r.ok(200);
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));
    assert_eq!(keys(&updated), DETAIL_KEYS);
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["name"], "Updated Name");
    assert_eq!(updated["config"], json!({}));
    assert_eq!(
        updated["secrets"],
        json!([{"field": "webhookUrl", "hint": "…NEW1"}])
    );
    assert_eq!(updated["createdAt"], created["createdAt"]);
    assert_timestamp(&updated["updatedAt"]);
    assert!(updated["updatedAt"].as_str() >= created["updatedAt"].as_str());
    assert_eq!(admin.get_integration(&id).await.ok(200), updated);

    // Test, with the contract's optional `configOverrides`.
    let override_url = format!("{}/services/T000/B000/override", mock.uri());
    let r = admin
        .test_integration(
            &id,
            Some(&json!({"configOverrides": {"webhookUrl": override_url}})),
        )
        .await;
    assert_slack_verdict(&r.ok(200));
    // An override test is not recorded and changes no version.
    let r = admin.get_integration(&id).await;
    assert_eq!(r.ok(200), updated);
    assert_eq!(r.header("etag"), Some(etag(&id, 2)));

    // An unsaved test answers the same shape and saves nothing.
    let r = admin
        .test_unsaved(&json!({"type": "slack", "config": {"webhookUrl": override_url}}))
        .await;
    assert_slack_verdict(&r.ok(200));
    let (all, _) = admin.walk_integrations("limit=50").await;
    assert_eq!(all, std::slice::from_ref(&id));

    // The same endpoints with a provider this build has, exactly: the
    // overrides are used for the test only, the stored config is what a plain
    // test uses, and only the plain test is recorded.
    let hook = admin
        .create_integration(&json!({"name": "hook", "type": "webhook",
               "config": {"url": format!("{}/hooks/broken", mock.uri())}}))
        .await
        .ok(201);
    let hook_id = id_of(&hook);
    assert_eq!(hook["config"], json!({}));
    let secrets = hook["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 2, "{hook}");
    assert_eq!(secrets[0]["field"], "signingSecret", "{hook}");
    assert!(
        secrets[0]["hint"]
            .as_str()
            .is_some_and(|h| h.starts_with('…') && h.chars().count() == 5),
        "a generated signing secret is set: {hook}"
    );
    assert_eq!(secrets[1], json!({"field": "url", "hint": "…oken"}));
    let r = admin
        .test_integration(
            &hook_id,
            Some(&json!({"configOverrides": {"url": format!("{}/hooks/ok", mock.uri())}})),
        )
        .await;
    let t = r.ok(200);
    assert_verdict(&t);
    assert_eq!(t["status"], "success", "{t}");
    assert!(t.get("code").is_none(), "{t}");
    let got = admin.get_integration(&hook_id).await.ok(200);
    assert_eq!(got["lastTest"], Value::Null, "overrides are not recorded");
    assert_eq!(got["secrets"], hook["secrets"], "overrides are not saved");

    let t = admin.test_integration(&hook_id, None).await.ok(200);
    assert_verdict(&t);
    assert_eq!(t["status"], "error", "{t}");
    assert_eq!(t["code"], "server_error", "{t}");
    let r = admin.get_integration(&hook_id).await;
    assert_eq!(
        r.header("etag"),
        Some(etag(&hook_id, 1)),
        "a test is not a change"
    );
    let got = r.ok(200);
    assert_eq!(
        got["lastTest"],
        json!({"status": "error", "message": t["message"], "latencyMs": t["latencyMs"], "testedAt": t["testedAt"]})
    );
    assert_eq!(got["updatedAt"], hook["updatedAt"]);
    let received = mock.received_requests().await.unwrap();
    let hits = |p: &str| received.iter().filter(|r| r.url.path() == p).count();
    assert!(hits("/hooks/ok") >= 1 && hits("/hooks/broken") >= 1);

    // Delete: 204 with no body, then every verb answers 404.
    let r = admin.delete_integration(&id).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    for r in [
        admin.get_integration(&id).await,
        admin
            .update_integration(&id, &json!({"name": "back"}))
            .await,
        admin.delete_integration(&id).await,
        admin.test_integration(&id, None).await,
    ] {
        r.problem(404, "not-found");
    }
    let (all, _) = admin.walk_integrations("limit=50").await;
    assert_eq!(all, [hook_id]);
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
