//! Secrets at rest across key changes, through the real app on both
//! databases: a key added and rotated to keeps every secret readable,
//! start-up refuses a keyring that cannot read what is stored, a row
//! whose secrets cannot be opened fails only its own reads, and a running
//! process that cannot read a delivery's secrets fails it once.

use patchbay::app::Application;
use patchbay_domain::service::CreateIntegration;
use patchbay_domain::{Actor, IntegrationType, TenantStore};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::helpers::{
    SLACK_URL, TestApp, TestDatabase, id_of, mocks, on_both_backends, settings_for,
};

on_both_backends!(
    rotation_keeps_every_secret_readable,
    start_up_refuses_a_keyring_missing_a_used_key,
    a_row_whose_secrets_cannot_be_opened_is_listed_and_read_as_a_clear_error,
    a_delivery_whose_secrets_this_process_cannot_decrypt_fails_once,
);

const K1: &str = "k1:azEtdGVzdC1rZXktbm90LWEtcmVhbC1zZWNyZXQhISE=";
const K2: &str = "k2:azItdGVzdC1rZXktbm90LWEtcmVhbC1zZWNyZXQhISE=";

fn webhook(n: usize) -> CreateIntegration {
    CreateIntegration {
        name: format!("hook {n}"),
        kind: IntegrationType::Webhook,
        config: json!({"url": format!("https://example.com/hook/SECRET-{n}"), "headers": {"Authorization": format!("Bearer tok-{n}")}})
            .as_object()
            .cloned()
            .unwrap(),
        environment: None,
        status: None,
        is_managed: false,
    }
}

/// The app on `db` with this keyring.
async fn app_with_keys(db: &TestDatabase, keys: &str) -> Application {
    Application::build(settings_for(db, &[("PATCHBAY__SECRETS__KEYS", keys)]))
        .await
        .unwrap()
}

async fn rotation_keeps_every_secret_readable(db: TestDatabase) {
    // Written under k1.
    let app = app_with_keys(&db, K1).await;
    let org = app.store().ensure_organization("acme").await.unwrap();
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(
            app.state()
                .integrations
                .create(&org.id, &Actor::Operator, webhook(n))
                .await
                .unwrap()
                .id,
        );
    }
    drop(app);

    // k2 added and active: old rows still read, new rows go under k2.
    let app = app_with_keys(&db, &format!("{K1},{K2}")).await;
    let got = app
        .state()
        .integrations
        .get(&org.id, &ids[3])
        .await
        .unwrap();
    assert_eq!(
        got.config.secret("url").unwrap().expose(),
        "https://example.com/hook/SECRET-3"
    );
    ids.push(
        app.state()
            .integrations
            .create(&org.id, &Actor::Operator, webhook(7))
            .await
            .unwrap()
            .id,
    );
    let rotated = app.store().rotate(3, |_, _| {}).await.unwrap();
    assert_eq!(rotated, 7, "the seven rows sealed under k1 are re-sealed");
    assert_eq!(
        app.store().rotate(3, |_, _| {}).await.unwrap(),
        0,
        "a second run has nothing to do"
    );
    drop(app);

    // k1 removed: every row still reads.
    let app = app_with_keys(&db, K2).await;
    for (n, id) in ids.iter().enumerate() {
        let got = app.state().integrations.get(&org.id, id).await.unwrap();
        assert_eq!(
            got.config.secret("url").unwrap().expose(),
            format!("https://example.com/hook/SECRET-{n}")
        );
        assert_eq!(
            got.config.secret("headers").unwrap().expose_json(),
            json!({"Authorization": format!("Bearer tok-{n}")})
        );
    }
}

async fn start_up_refuses_a_keyring_missing_a_used_key(db: TestDatabase) {
    let app = app_with_keys(&db, K1).await;
    let org = app.store().ensure_organization("acme").await.unwrap();
    app.state()
        .integrations
        .create(&org.id, &Actor::Operator, webhook(1))
        .await
        .unwrap();
    drop(app);
    let err = Application::build(settings_for(&db, &[("PATCHBAY__SECRETS__KEYS", K2)]))
        .await
        .err()
        .expect("start-up must fail");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("k1"),
        "the message names the missing key id: {msg}"
    );
    assert!(
        !msg.contains("azEtdGVzdC1rZXktbm90"),
        "never the key material: {msg}"
    );
}

/// Both lists show every row, the damaged one included (listing needs no
/// secret); reading that row answers `500 /problems/secrets-unreadable`
/// through either API, and the other rows read as before.
async fn a_row_whose_secrets_cannot_be_opened_is_listed_and_read_as_a_clear_error(
    db: TestDatabase,
) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for n in 0..3 {
        let body =
            json!({"name": format!("s{n}"), "type": "slack", "config": {"webhookUrl": SLACK_URL}});
        ids.push(id_of(&admin.create_integration(&body).await.ok(201)));
    }
    // Another row's envelope: bound to that row, it does not open here.
    let changed = app.database().execute(&format!(
        "UPDATE integrations SET secrets = (SELECT s.secrets FROM integrations s \
         WHERE s.id = '{}') WHERE id = '{}'",
        ids[0], ids[1]
    ));
    assert_eq!(changed, 1);

    let page = admin.list_integrations("").await.ok(200);
    let listed: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids);
    let page = admin.type_id_list("").await.ok(200);
    let seqs: Vec<i64> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs.len(), 3);

    let r = admin.get_integration(&ids[1]).await;
    let problem = r.problem(500, "secrets-unreadable");
    assert!(!r.text().contains(ids[1].as_str()), "{problem}");
    admin
        .type_id_get(seqs[1])
        .await
        .problem(500, "secrets-unreadable");
    for id in [&ids[0], &ids[2]] {
        admin.get_integration(id).await.ok(200);
    }
    admin.type_id_get(seqs[2]).await.ok(200);
}

/// A metric's value in a Prometheus text, 0 when absent.
fn metric(text: &str, series: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn a_delivery_whose_secrets_this_process_cannot_decrypt_fails_once(db: TestDatabase) {
    let mock = mocks::endpoint("/hooks/ok", ResponseTemplate::new(204)).await;
    let hook = format!("{}/hooks/ok", mock.uri());
    // The up-to-date process knows k1 and k2 (k2 seals) and delivers nothing.
    let current = mocks::delivery_settings(
        &mock,
        &[
            ("PATCHBAY__SECRETS__KEYS", &format!("{K1},{K2}")),
            ("PATCHBAY__DELIVERY__WORKERS_ENABLED", "false"),
        ],
    );
    let app = TestApp::spawn_with(db, &mocks::borrowed(&current)).await;
    // A process that missed the key change: k1 only, delivering. Polling
    // seldom, it most likely claims both sends below in one batch.
    let stale_settings = mocks::delivery_settings(
        &mock,
        &[
            ("PATCHBAY__SECRETS__KEYS", K1),
            ("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "1000"),
        ],
    );
    let stale = app.spawn_peer(&mocks::borrowed(&stale_settings)).await;
    // One integration sealed under k1 (readable by both), one under k2.
    let readable = stale
        .with_key(&app.admin_key)
        .create_integration_of("webhook", json!({"url": hook}))
        .await;
    let unreadable = app
        .admin()
        .create_integration_of("webhook", json!({"url": hook}))
        .await;
    let message = json!({"data": {"n": 1}});
    let failing = id_of(&app.admin().send(&unreadable, &message).await.ok(202));
    let passing = id_of(&app.admin().send(&readable, &message).await.ok(202));

    let d = app.admin().wait_for_delivery(&failing).await;
    assert_eq!(d["status"], "failed", "{d}");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "failed at once, not retried: {d}");
    assert_eq!(attempts[0]["code"], "secrets_undecryptable", "{d}");
    // The other integration's delivery, perhaps in the same batch, is sent.
    let d = app.admin().wait_for_delivery(&passing).await;
    assert_eq!(d["status"], "delivered", "{d}");
    let metrics = stale.with_key(&app.admin_key).metrics().await.text();
    assert_eq!(
        metric(
            &metrics,
            "patchbay_delivery_secrets_undecryptable_total{type=\"webhook\"}"
        ),
        1,
        "{metrics}"
    );
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);

    // Once a delivering process has the keys, a retry sends it.
    drop(stale);
    let fixed =
        mocks::delivery_settings(&mock, &[("PATCHBAY__SECRETS__KEYS", &format!("{K1},{K2}"))]);
    let _fixed = app.spawn_peer(&mocks::borrowed(&fixed)).await;
    app.admin().retry_delivery(&failing).await.ok(202);
    let d = app.admin().wait_for_delivery(&failing).await;
    assert_eq!(d["status"], "delivered", "{d}");
}
