//! Issue 2's end-to-end guarantees: secrets at rest across key changes, and
//! start-up refusing a keyring that cannot read what is stored.

use patchbay::app::Application;
use patchbay_domain::service::CreateIntegration;
use patchbay_domain::{Actor, IntegrationType, TenantStore};
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, database, settings_for};

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

async fn rotation_keeps_every_secret_readable(backend: Backend) {
    let Some(db) = database(backend) else { return };
    // Written under k1.
    let app = Application::build(settings_for(&db, &[("PATCHBAY__SECRETS__KEYS", K1)]))
        .await
        .unwrap();
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
    let both_keys = format!("{K1},{K2}");
    let app = Application::build(settings_for(
        &db,
        &[("PATCHBAY__SECRETS__KEYS", &both_keys)],
    ))
    .await
    .unwrap();
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
    let app = Application::build(settings_for(&db, &[("PATCHBAY__SECRETS__KEYS", K2)]))
        .await
        .unwrap();
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
both!(rotation_keeps_every_secret_readable);

async fn start_up_refuses_a_keyring_missing_a_used_key(backend: Backend) {
    let Some(db) = database(backend) else { return };
    let app = Application::build(settings_for(&db, &[("PATCHBAY__SECRETS__KEYS", K1)]))
        .await
        .unwrap();
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
both!(start_up_refuses_a_keyring_missing_a_used_key);
