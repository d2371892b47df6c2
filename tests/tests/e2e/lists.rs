//! Listing integrations on both databases: filters by type, status and
//! environment (never showing config), and cursor pages that walk every row
//! exactly once in creation order, through both APIs, another
//! organization's never among them.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::helpers::{
    DISCORD_URL, SENDGRID_KEY, SLACK_URL, SUMMARY_KEYS, TestApp, TestDatabase, id_of, ids_of, keys,
    on_both_backends,
};

on_both_backends!(
    list_filters_by_type_status_and_environment_without_config,
    pagination_walks_every_row_exactly_once,
    both_apis_list_in_exact_creation_order,
);

async fn list_filters_by_type_status_and_environment_without_config(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let specs = [
        (
            "a",
            "discord",
            "stage",
            "active",
            json!({"webhookUrl": DISCORD_URL, "username": "not-in-lists"}),
        ),
        (
            "b",
            "slack",
            "production",
            "inactive",
            json!({"webhookUrl": SLACK_URL}),
        ),
        (
            "c",
            "discord",
            "production",
            "active",
            json!({"webhookUrl": DISCORD_URL}),
        ),
        (
            "d",
            "sendgrid",
            "stage",
            "inactive",
            json!({"apiKey": SENDGRID_KEY, "fromEmail": "ops@example.com"}),
        ),
        (
            "e",
            "webhook",
            "production",
            "active",
            json!({"url": "https://example.com/hook", "method": "PUT"}),
        ),
    ];
    let mut made: HashMap<&str, Value> = HashMap::new();
    for (name, kind, env, status, config) in specs {
        let body = json!({"name": name, "type": kind, "environment": env, "status": status, "config": config});
        let c = admin.create_integration(&body).await.ok(201);
        assert_eq!(
            (c["environment"].as_str(), c["status"].as_str()),
            (Some(env), Some(status))
        );
        made.insert(name, c);
    }
    let ids = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| id_of(&made[n])).collect();
        v.sort();
        v
    };
    // Another organization's rows never show.
    let other = app.key_for("other-org", "admin").await;
    app.with_key(&other)
        .create_integration(
            &json!({"name": "theirs", "type": "discord", "config": {"webhookUrl": DISCORD_URL}}),
        )
        .await
        .ok(201);

    for (query, expected) in [
        ("", ids(&["a", "b", "c", "d", "e"])),
        ("type=discord", ids(&["a", "c"])),
        ("type=slack", ids(&["b"])),
        ("type=telegram", vec![]),
        ("status=inactive", ids(&["b", "d"])),
        ("status=active", ids(&["a", "c", "e"])),
        ("environment=stage", ids(&["a", "d"])),
        ("environment=production&type=discord", ids(&["c"])),
        ("type=discord&status=active&environment=stage", ids(&["a"])),
        ("type=sendgrid&status=active", vec![]),
    ] {
        let r = admin.list_integrations(query).await;
        let page = r.ok(200);
        assert_eq!(keys(&page), ["data", "nextCursor"], "{query}");
        assert_eq!(page["nextCursor"], Value::Null, "{query}");
        assert_eq!(ids_of(&page), expected, "{query}");
        for item in page["data"].as_array().unwrap() {
            assert_eq!(keys(item), SUMMARY_KEYS, "{query}: {item}");
            let full = made.values().find(|m| m["id"] == item["id"]).unwrap();
            for k in SUMMARY_KEYS {
                assert_eq!(item[k], full[k], "{query}: {k}");
            }
        }
        // Not even non-secret config values are listed.
        let text = r.text();
        for value in [
            "not-in-lists",
            "ops@example.com",
            "PUT",
            "secrets",
            "config",
        ] {
            assert!(!text.contains(value), "{query}: {value} in {text}");
        }
    }

    // Invalid filters are 422s naming each parameter.
    for (query, fields) in [
        ("type=smoke-signals", vec!["type"]),
        ("status=on", vec!["status"]),
        ("environment=prod", vec!["environment"]),
        (
            "type=nope&status=on&environment=prod&limit=0",
            vec!["environment", "limit", "status", "type"],
        ),
    ] {
        let r = admin.list_integrations(query).await;
        assert_eq!(r.fields(), fields, "{query}");
    }
}

async fn pagination_walks_every_row_exactly_once(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let mut ids = Vec::new();
    let mut discord = Vec::new();
    for i in 0..23 {
        let body = if i % 3 == 0 {
            json!({"name": format!("n{i}"), "type": "discord", "config": {"webhookUrl": DISCORD_URL}})
        } else {
            json!({"name": format!("n{i}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}})
        };
        let id = id_of(&admin.create_integration(&body).await.ok(201));
        if i % 3 == 0 {
            discord.push(id.clone());
        }
        ids.push(id);
    }
    // Another organization's rows are never on any page.
    let other = app.with_key(&app.key_for("other-org", "admin").await);
    for i in 0..4 {
        other
            .create_integration(&json!({"name": format!("theirs {i}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}}))
            .await
            .ok(201);
    }
    let expected = ids.clone();

    let (seen, sizes) = admin.walk_integrations("limit=5").await;
    assert_eq!(sizes, [5, 5, 5, 5, 3]);
    assert_eq!(seen, expected, "every row once, in creation order");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 23);

    for (query, rows, pages) in [
        ("limit=1", &expected, vec![1; 23]),
        ("limit=23", &expected, vec![23]),
        ("limit=200", &expected, vec![23]),
        ("limit=2&type=discord", &discord, vec![2, 2, 2, 2]),
        ("type=discord&limit=3", &discord, vec![3, 3, 2]),
    ] {
        let (seen, sizes) = admin.walk_integrations(query).await;
        assert_eq!(&seen, rows, "{query}");
        assert_eq!(sizes, pages, "{query}");
    }
    // The default page holds all 23 (default 50).
    let page = admin.list_integrations("").await.ok(200);
    assert_eq!(ids_of(&page), expected);
    assert_eq!(page["nextCursor"], Value::Null);

    // A deleted cursor row does not lose the rows after it.
    let first = admin.list_integrations("limit=5").await.ok(200);
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let first = ids_of(&first);
    admin.delete_integration(&first[4]).await;
    let rest = admin
        .list_integrations(&format!("limit=50&cursor={cursor}"))
        .await
        .ok(200);
    assert_eq!(ids_of(&rest), expected[5..]);

    // Bad paging parameters are 422s naming the parameter.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=int_nope", "cursor"),
    ] {
        let r = admin.list_integrations(query).await;
        assert_eq!(r.fields(), [field], "{query}");
    }
}

/// Rows made at once through both APIs (many within one millisecond, by
/// concurrent requests) list in creation order, the same order on every
/// page of either API: at `/integrations` that is ascending integer id, and
/// `/api/integrations` lists the same rows in the same order.
async fn both_apis_list_in_exact_creation_order(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let admin = admin.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let body = json!({"name": format!("c{i}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}});
                    admin.create_integration(&body).await.ok(201);
                } else {
                    let body = json!({"integration": 4, "data": {"api_key": SENDGRID_KEY, "from_email": "ops@example.com"}});
                    admin.type_id_create(&body).await.ok(201);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut creation_order: Option<Vec<String>> = None;
    for limit in [1, 7, 40] {
        let mut listed: Vec<i64> = Vec::new();
        let mut query = format!("limit={limit}");
        loop {
            let page = admin.type_id_list(&query).await.ok(200);
            let rows = page["data"].as_array().unwrap();
            listed.extend(rows.iter().map(|r| r["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(c) => query = format!("limit={limit}&cursor={c}"),
                None => break,
            }
            assert!(listed.len() <= 40, "pages repeat rows");
        }
        assert_eq!(listed.len(), 40);
        assert!(
            listed.windows(2).all(|w| w[0] < w[1]),
            "/integrations, pages of {limit}: {listed:?}"
        );
        let created = match &creation_order {
            Some(ids) => ids.clone(),
            None => {
                let mut ids = Vec::new();
                for seq in &listed {
                    ids.push(admin.prefixed_id(*seq).await);
                }
                creation_order = Some(ids.clone());
                ids
            }
        };
        let (seen, _) = admin.walk_integrations(&format!("limit={limit}")).await;
        assert_eq!(seen, created, "/api/integrations, pages of {limit}");
    }
}
