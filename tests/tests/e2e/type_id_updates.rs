//! Changing integrations through the `/integrations` routes on both
//! databases: changes cross to and from `/api/integrations`, secrets are
//! replaced only with `changeKeys`, a stale `If-Match` is 412, and twenty
//! concurrent updates leave one consistent row.

use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, TestDatabase, on_both_backends};
use crate::type_id_api::sendgrid_example_request;

on_both_backends!(
    integrations_cross_between_the_apis,
    change_keys_replaces_secrets_and_nothing_else_does,
    stale_if_match_is_412,
    twenty_concurrent_puts_leave_a_consistent_row,
);

/// The secrets (field and hint) of an integration, as `/api/integrations`
/// shows them.
async fn secrets_of(admin: &Client, id: i64) -> Value {
    let int_id = admin.prefixed_id(id).await;
    admin.get_integration(&int_id).await.json()["secrets"].clone()
}

async fn integrations_cross_between_the_apis(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    // Created through `/api/integrations`, read and changed through
    // `/integrations`.
    let first = admin
        .create_integration(&json!({"name": "Mail", "type": "sendgrid",
                    "config": {"apiKey": "SG.CANARYfirstapi0000000000", "fromEmail": "a@example.com"}}))
        .await
        .expect(201);
    let int_id = first["id"].as_str().unwrap().to_string();
    let list = admin.type_id_list("").await.json();
    let item = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["data"]["from_email"] == "a@example.com")
        .unwrap_or_else(|| panic!("not listed: {list}"))
        .clone();
    let id = item["id"].as_i64().unwrap();
    assert_eq!(item["integration"]["slug"], "sendgrid");
    assert_eq!(item["data"]["environment"], "production");
    assert_eq!(admin.prefixed_id(id).await, int_id);
    let changed = admin
        .type_id_update(
            id,
            &json!({"integration": 4, "data": {"from_name": "Ops", "environment": "stage"}}),
        )
        .await
        .expect(200);
    let again = admin.get_integration(&int_id).await.json();
    assert_eq!(again["config"]["fromName"], "Ops");
    assert_eq!(again["environment"], "stage");
    assert_eq!(again["name"], "Mail");
    assert_eq!(
        again["secrets"][0]["hint"], first["secrets"][0]["hint"],
        "the secret is kept"
    );

    // Created through `/integrations`, changed through `/api/integrations`,
    // read back.
    let second = admin
        .type_id_create(&sendgrid_example_request())
        .await
        .json();
    let id2 = second["id"].as_i64().unwrap();
    let int_id2 = admin.prefixed_id(id2).await;
    let r = admin
        .update_integration(
            &int_id2,
            &json!({"name": "Renamed", "config": {"fromName": "From first"}, "status": "inactive"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let read = admin.type_id_get(id2).await.json();
    assert_eq!(read["data"]["from_name"], "From first");
    assert_eq!(read["status"], "inactive");
    // Deleted through `/api/integrations`: gone from `/integrations`.
    assert_eq!(admin.delete_integration(&int_id2).await.status, 204);
    assert_eq!(admin.type_id_get(id2).await.status, 404);
    for body in [&first, &item, &changed, &again, &read] {
        assert!(!body.to_string().contains("CANARY"), "{body}");
    }
}

async fn change_keys_replaces_secrets_and_nothing_else_does(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin
        .type_id_create(&json!({"integration": 4, "data": {"environment": "stage",
            "api_key": "SG.CANARYoriginal000000AAAA", "from_email": "a@example.com"}}))
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let original = json!([{"field": "apiKey", "hint": "…AAAA"}]);
    assert_eq!(secrets_of(&admin, id).await, original);

    // A secret without changeKeys is refused, naming the field and the fix.
    for data in [
        json!({"api_key": "SG.CANARYrefused0000000BBBB"}),
        json!({"api_key": "SG.CANARYrefused0000000BBBB", "changeKeys": false, "from_name": "x"}),
    ] {
        let r = admin.type_id_update(id, &json!({"data": data})).await;
        assert_eq!(r.error_fields(), vec!["data.api_key"]);
        let p = r.json();
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("changeKeys"),
            "{p}"
        );
        assert!(!p.to_string().contains("CANARY"));
    }
    // Without secrets, other fields merge and the stored secret is kept.
    let body = admin
        .type_id_update(
            id,
            &json!({"data": {"from_name": "Kept", "changeKeys": false}}),
        )
        .await
        .expect(200);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(body["data"]["from_email"], "a@example.com");
    assert_eq!(secrets_of(&admin, id).await, original);
    // With changeKeys, the secret sent replaces the stored one.
    let body = admin
        .type_id_update(
            id,
            &json!({"data": {"changeKeys": true, "api_key": "SG.CANARYreplaced000000CCCC"}}),
        )
        .await
        .expect(200);
    assert_eq!(body["data"]["changeKeys"], false);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(
        secrets_of(&admin, id).await,
        json!([{"field": "apiKey", "hint": "…CCCC"}])
    );
    // changeKeys with no secret would leave the required key unset.
    let r = admin
        .type_id_update(id, &json!({"data": {"changeKeys": true}}))
        .await;
    assert_eq!(r.error_fields(), vec!["data.api_key"]);
    // The type is fixed; unknown fields are refused by name.
    let r = admin.type_id_update(id, &json!({"integration": 5})).await;
    assert_eq!(r.error_fields(), vec!["integration"]);
    let r = admin
        .type_id_update(id, &json!({"data": {"fromName": "camel"}}))
        .await;
    assert_eq!(r.error_fields(), vec!["data.fromName"]);

    // The secret set is replaced as a whole: a webhook's headers not sent
    // again are removed (its signing secret is generated anew).
    let hook = admin
        .type_id_create(
            &json!({"integration": 6, "data": {"url": "https://example.com/CANARY-hook",
            "headers": {"Authorization": "Bearer CANARY-header"}, "method": "PUT"}}),
        )
        .await
        .expect(201);
    let hook_id = hook["id"].as_i64().unwrap();
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(secrets_of(&admin, hook_id).await),
        vec!["headers", "signingSecret", "url"]
    );
    let r = admin
        .type_id_update(
            hook_id,
            &json!({"data": {"changeKeys": true, "url": "https://example.com/CANARY-new"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        names(secrets_of(&admin, hook_id).await),
        vec!["signingSecret", "url"]
    );
    let list = admin.type_id_list("").await.json();
    assert_eq!(list["data"][1]["data"]["method"], "PUT");
    assert!(!list.to_string().contains("CANARY"), "{list}");
}

async fn stale_if_match_is_412(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let r = admin.type_id_create(&sendgrid_example_request()).await;
    let first_tag = r.etag();
    let id = r.json()["id"].as_i64().unwrap();

    let r = admin
        .if_match(&first_tag)
        .type_id_update(id, &json!({"data": {"from_name": "v2"}}))
        .await;
    assert_eq!(r.status, 200);
    let second_tag = r.etag();
    assert_ne!(first_tag, second_tag);

    // `/api/integrations` gives the same ETag.
    let int_id = admin.prefixed_id(id).await;
    assert_eq!(admin.get_integration(&int_id).await.etag(), second_tag);

    let stale = admin.if_match(&first_tag);
    for (what, r) in [
        (
            "PUT",
            stale
                .type_id_update(id, &json!({"data": {"from_name": "v3"}}))
                .await,
        ),
        (
            "PATCH status",
            stale
                .type_id_set_status(id, &json!({"status": "inactive"}))
                .await,
        ),
        ("DELETE", stale.type_id_delete(id).await),
    ] {
        assert_eq!(r.status, 412, "{what} {id}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
    }
    let now = admin.type_id_get(id).await.json();
    assert_eq!(now["data"]["from_name"], "v2");
    assert_eq!(now["status"], "active");

    let r = admin
        .if_match(&second_tag)
        .type_id_set_status(id, &json!({"status": "inactive"}))
        .await;
    assert_eq!(r.status, 200);
    let third_tag = r.etag();
    let r = admin.if_match(&third_tag).type_id_delete(id).await;
    assert_eq!(r.status, 204);
}

async fn twenty_concurrent_puts_leave_a_consistent_row(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin
        .type_id_create(&sendgrid_example_request())
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let writers = 20;
    // Each writer sets a name and an address of its own; the even ones also
    // replace the key (its last four characters name the writer).
    let mut tasks = Vec::new();
    for i in 0..writers {
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let mut data = json!({"from_name": format!("writer-{i:02}"),
                                  "from_email": format!("writer-{i:02}@example.com")});
            if i % 2 == 0 {
                data["changeKeys"] = json!(true);
                data["api_key"] = json!(format!("SG.CANARYconcurrent00000w{i:03}"));
            }
            admin
                .type_id_update(id, &json!({"data": data}))
                .await
                .status
        }));
    }
    // Every writer succeeds: a losing writer re-reads and re-merges, and a
    // burst this size never exhausts its attempts.
    let mut ok = 0;
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
        ok += 1;
    }

    let row = admin.type_id_get(id).await.json();
    let name = row["data"]["from_name"].as_str().unwrap().to_string();
    let writer = name.strip_prefix("writer-").unwrap().to_string();
    // Never half-merged: the address is the same writer's.
    assert_eq!(
        row["data"]["from_email"],
        format!("writer-{writer}@example.com")
    );
    // The key is the last writer's that sent one: if the winner sent a key,
    // it is its key.
    let n: usize = writer.parse().unwrap();
    let secrets = secrets_of(&admin, id).await;
    assert_eq!(secrets.as_array().unwrap().len(), 1, "{secrets}");
    let tail = secrets[0]["hint"].as_str().unwrap().to_string();
    if n % 2 == 0 {
        assert_eq!(tail, format!("…w{n:03}"));
    } else {
        assert!(
            tail == "…xxxx" || tail.starts_with("…w"),
            "the key is a whole one: {tail}"
        );
    }
    // No lost update: every success moved the version by exactly one.
    let etag = admin.type_id_get(id).await.etag();
    let version: i64 = etag
        .trim_matches('"')
        .rsplit_once("-v")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert_eq!(version, 1 + ok, "{ok} successful updates");
}
