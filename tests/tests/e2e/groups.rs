//! Integration groups as a resource, on both databases: created, read,
//! listed in pages, updated under `If-Match` and deleted; their members
//! checked; scopes and organizations kept apart; a member cannot be
//! deleted while a group lists it.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, id_of, ids_of, on_both_backends};

on_both_backends!(
    groups_are_created_read_listed_updated_and_deleted,
    members_are_checked_and_problems_name_their_place,
    scopes_and_organizations_keep_groups_apart,
    an_integration_in_a_group_is_not_deleted,
);

fn webhook(n: usize) -> Value {
    json!({"url": format!("https://hooks.example.com/group/{n}")})
}

async fn webhooks(app: &TestApp, n: usize) -> Vec<String> {
    let admin = app.admin();
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(admin.create_integration_of("webhook", webhook(i)).await);
    }
    ids
}

async fn groups_are_created_read_listed_updated_and_deleted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let members = webhooks(&app, 3).await;
    let created = admin
        .create_group(&json!({
            "name": "Alerts",
            "strategy": "failover",
            "integrationIds": [members[0], members[1]],
        }))
        .await;
    let body = created.ok(201);
    let id = id_of(&body);
    assert!(id.starts_with("grp_"), "{body}");
    assert_eq!(
        created.header("location"),
        Some(format!("/api/integration-groups/{id}"))
    );
    let tag = created.etag();
    assert_eq!(tag, format!("\"{id}-v1\""));
    assert_eq!(body["name"], "Alerts");
    assert_eq!(body["strategy"], "failover");
    assert_eq!(body["integrationIds"], json!([members[0], members[1]]));
    // The defaults: two attempts or 30 s per member.
    assert_eq!(body["failover"], json!({"attempts": 2, "afterSecs": 30}));
    assert_eq!(admin.get_group(&id).await.ok(200), body);

    // A broadcast group has no bounds.
    let wide = admin
        .create_group(&json!({"name": "All", "strategy": "broadcast", "integrationIds": members}))
        .await
        .ok(201);
    assert_eq!(wide["failover"], Value::Null);

    // Pages in creation order.
    let first = admin.list_groups("limit=1").await.ok(200);
    assert_eq!(ids_of(&first), std::slice::from_ref(&id));
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let second = admin
        .list_groups(&format!("limit=1&cursor={cursor}"))
        .await
        .ok(200);
    assert_eq!(ids_of(&second), [id_of(&wide)]);
    assert_eq!(second["nextCursor"], Value::Null);
    admin.list_groups("limit=0").await.fields();
    assert_eq!(admin.list_groups("cursor=nope").await.fields(), ["cursor"]);

    // Updates: a stale tag is refused, the current one is taken, and a
    // change that changes nothing keeps the version.
    let change = json!({"name": "Paging", "integrationIds": [members[2], members[0]], "failover": {"afterSecs": 5}});
    admin
        .if_match(&format!("\"{id}-v7\""))
        .update_group(&id, &change)
        .await
        .problem(412, "precondition-failed");
    let updated = admin.if_match(&tag).update_group(&id, &change).await;
    let body = updated.ok(200);
    assert_eq!(updated.etag(), format!("\"{id}-v2\""));
    assert_eq!(body["name"], "Paging");
    assert_eq!(body["integrationIds"], json!([members[2], members[0]]));
    assert_eq!(body["failover"], json!({"attempts": 2, "afterSecs": 5}));
    let same = admin.update_group(&id, &json!({"name": "Paging"})).await;
    assert_eq!(same.etag(), format!("\"{id}-v2\""));
    // Switching to broadcast drops the bounds from the answer.
    let broad = admin
        .update_group(&id, &json!({"strategy": "broadcast"}))
        .await
        .ok(200);
    assert_eq!(broad["failover"], Value::Null);

    admin
        .if_match(&tag)
        .delete_group(&id)
        .await
        .problem(412, "precondition-failed");
    assert_eq!(admin.delete_group(&id).await.status, 204);
    admin.get_group(&id).await.problem(404, "not-found");
    // Its members are untouched.
    admin.get_integration(&members[2]).await.ok(200);
}

async fn members_are_checked_and_problems_name_their_place(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let members = webhooks(&app, 2).await;
    let chain = admin
        .create_integration_of(
            "web3",
            json!({"rpcUrl": "https://rpc.example.com", "chainId": 1}),
        )
        .await;
    let other_org = app.key_for("other", "admin").await;
    let theirs = app
        .with_key(&other_org)
        .create_integration_of("webhook", webhook(9))
        .await;
    let group = |ids: Value| json!({"name": "g", "strategy": "failover", "integrationIds": ids});

    assert_eq!(
        admin.create_group(&group(json!([]))).await.fields(),
        ["integrationIds"]
    );
    let eleven: Vec<String> = (0..11).map(|_| members[0].clone()).collect();
    assert_eq!(
        admin.create_group(&group(json!(eleven))).await.fields(),
        ["integrationIds"]
    );
    let reply = admin
        .create_group(&group(json!([
            members[0], "int_nope", members[0], theirs, chain
        ])))
        .await;
    assert_eq!(
        reply.fields(),
        [
            "integrationIds[1]",
            "integrationIds[2]",
            "integrationIds[3]",
            "integrationIds[4]"
        ]
    );
    let text = reply.text();
    assert!(text.contains("repeats integrationIds[0]"), "{text}");
    assert!(text.contains("no such integration"), "{text}");
    assert!(text.contains("`web3` cannot send"), "{text}");

    let bounds = |failover: Value, strategy: &str| json!({"name": "g", "strategy": strategy, "integrationIds": [members[1]], "failover": failover});
    assert_eq!(
        admin
            .create_group(&bounds(
                json!({"attempts": 0, "afterSecs": 7200}),
                "failover"
            ))
            .await
            .fields(),
        ["failover.afterSecs", "failover.attempts"]
    );
    assert_eq!(
        admin
            .create_group(&bounds(json!({"attempts": 3}), "broadcast"))
            .await
            .fields(),
        ["failover"]
    );
    // Unknown members of the body, and a strategy that does not exist.
    admin
        .create_group(&json!({"name": "g", "strategy": "failover", "integrationIds": [members[0]], "id": "grp_x"}))
        .await
        .problem(422, "validation");
    admin
        .create_group(
            &json!({"name": "g", "strategy": "roundrobin", "integrationIds": [members[0]]}),
        )
        .await
        .problem(422, "validation");
    assert_eq!(
        admin
            .create_group(
                &json!({"name": " ", "strategy": "broadcast", "integrationIds": [members[0]]})
            )
            .await
            .fields(),
        ["name"]
    );
    // The same checks on update.
    let id = admin
        .create_group_of("failover", &[&members[0]], Value::Null)
        .await;
    assert_eq!(
        admin
            .update_group(&id, &json!({"integrationIds": [theirs]}))
            .await
            .fields(),
        ["integrationIds[0]"]
    );
}

async fn scopes_and_organizations_keep_groups_apart(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let members = webhooks(&app, 1).await;
    let id = admin
        .create_group_of("broadcast", &[&members[0]], Value::Null)
        .await;

    let reader = app.with_key(&app.key_for("default", "read").await);
    reader.get_group(&id).await.ok(200);
    reader.list_groups("").await.ok(200);
    let body = json!({"name": "g", "strategy": "broadcast", "integrationIds": [members[0]]});
    reader.create_group(&body).await.problem(403, "forbidden");
    reader
        .update_group(&id, &json!({"name": "x"}))
        .await
        .problem(403, "forbidden");
    reader.delete_group(&id).await.problem(403, "forbidden");
    reader
        .send_to_group(&id, &json!({"data": {"n": 1}}))
        .await
        .problem(403, "forbidden");

    // Another organization's group is as missing as one that never was,
    // answer for answer.
    let stranger = app.with_key(&app.key_for("other", "admin").await);
    let missing = "grp_01jzzzzzzzzzzzzzzzzzzzzzzz";
    let pairs = [
        (
            stranger.get_group(&id).await,
            stranger.get_group(missing).await,
        ),
        (
            stranger.update_group(&id, &json!({"name": "x"})).await,
            stranger.update_group(missing, &json!({"name": "x"})).await,
        ),
        (
            stranger.delete_group(&id).await,
            stranger.delete_group(missing).await,
        ),
        (
            stranger.send_to_group(&id, &json!({"data": {}})).await,
            stranger.send_to_group(missing, &json!({"data": {}})).await,
        ),
    ];
    for (theirs, none) in pairs {
        theirs.problem(404, "not-found");
        assert_eq!(
            theirs.body_without_request_id(),
            none.body_without_request_id()
        );
    }
    assert_eq!(
        ids_of(&stranger.list_groups("").await.ok(200)),
        Vec::<String>::new()
    );
    // Still there for its own organization.
    admin.get_group(&id).await.ok(200);
}

async fn an_integration_in_a_group_is_not_deleted(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let members = webhooks(&app, 2).await;
    let first = admin
        .create_group(
            &json!({"name": "Primary alerts", "strategy": "failover", "integrationIds": members}),
        )
        .await
        .ok(201);
    let second = admin
        .create_group(
            &json!({"name": "Everyone", "strategy": "broadcast", "integrationIds": [members[1]]}),
        )
        .await
        .ok(201);
    let refused = admin.delete_integration(&members[1]).await;
    let p = refused.problem(409, "in-use");
    let detail = p["detail"].as_str().unwrap();
    for g in [&first, &second] {
        assert!(detail.contains(g["id"].as_str().unwrap()), "{detail}");
        assert!(detail.contains(g["name"].as_str().unwrap()), "{detail}");
    }
    // The integer-id API refuses it the same way.
    let listed = admin.type_id_list("").await.ok(200);
    let mut number = None;
    for item in listed["data"].as_array().unwrap() {
        let n = item["id"].as_i64().unwrap();
        if admin.prefixed_id(n).await == members[1] {
            number = Some(n);
        }
    }
    let number = number.unwrap();
    admin.type_id_delete(number).await.problem(409, "in-use");
    admin.get_integration(&members[1]).await.ok(200);

    // Out of both groups, it goes.
    admin
        .update_group(&id_of(&first), &json!({"integrationIds": [members[0]]}))
        .await
        .ok(200);
    assert_eq!(admin.delete_group(&id_of(&second)).await.status, 204);
    assert_eq!(admin.delete_integration(&members[1]).await.status, 204);
}
