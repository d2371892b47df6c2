//! The `/integrations` routes (integer type ids, snake_case `data`, an
//! integration addressed by its integer id) over the same stored rows as
//! `/api/integrations`, on both databases: a row made or changed through one
//! API is seen and changed through the other, and twenty concurrent updates
//! leave one consistent row. Their HTTP contract is the api crate's
//! (`crates/api/tests/http/integer_id_api.rs`).

use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, TestDatabase, on_both_backends};

on_both_backends!(
    integrations_cross_between_the_apis,
    twenty_concurrent_puts_leave_a_consistent_row,
);

/// A SendGrid integration in stage, sending from `from`.
fn sendgrid(from: &str) -> Value {
    json!({
        "integration": 4,
        "data": {
            "environment": "stage",
            "api_key": "SG.CANARYsecond00000000000",
            "from_email": format!("{from}@example.com"),
            "from_name": from
        }
    })
}

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

    // Created through `/integrations`: seen through `/api/integrations`,
    // named after its type, its config in camelCase, its secret by name only.
    let second = admin.type_id_create(&sendgrid("second")).await.expect(201);
    let id2 = second["id"].as_i64().unwrap();
    let int_id2 = admin.prefixed_id(id2).await;
    let seen = admin.get_integration(&int_id2).await.expect(200);
    assert_eq!(seen["name"], "Sendgrid");
    assert_eq!(seen["type"], "sendgrid");
    assert_eq!(seen["environment"], "stage");
    assert_eq!(
        seen["config"],
        json!({"fromEmail": "second@example.com", "fromName": "second"})
    );
    assert_eq!(seen["secrets"][0]["field"], "apiKey");
    let seen_list = admin.list_integrations("").await.expect(200);
    for body in [&second, &seen, &seen_list] {
        let text = body.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        assert!(!text.contains("api_key"), "{text}");
    }
    // ...changed through `/api/integrations`, read back through
    // `/integrations`.
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

    // Deleted through either API: gone from both.
    assert_eq!(admin.delete_integration(&int_id2).await.status, 204);
    assert_eq!(admin.type_id_get(id2).await.status, 404);
    assert_eq!(admin.type_id_delete(id).await.status, 204);
    assert_eq!(admin.get_integration(&int_id).await.status, 404);
    for body in [&first, &item, &changed, &again, &read] {
        assert!(!body.to_string().contains("CANARY"), "{body}");
    }
}

async fn twenty_concurrent_puts_leave_a_consistent_row(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let created = admin.type_id_create(&sendgrid("start")).await.expect(201);
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
            tail == "…0000" || tail.starts_with("…w"),
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
