//! Helpers shared by the storage integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use patchbay_domain::catalogue::IntegrationType;
use patchbay_domain::service::now;
use patchbay_domain::{Config, Environment, Integration, IntegrationId, OrgId, Status};
use patchbay_storage::SqlStore;
use patchbay_storage::crypto::Keyring;
use patchbay_storage::testing::TestDatabase;
use rand::Rng;
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

pub fn random_suffix() -> String {
    format!("{:016x}", rand::thread_rng().r#gen::<u64>())
}

/// A fresh key line (`id:base64`).
pub fn key_line(id: &str) -> String {
    Keyring::generate_key_line(id).expose_secret().to_owned()
}

pub fn keyring(spec: &str) -> Arc<Keyring> {
    Arc::new(Keyring::parse(spec, None).unwrap())
}

pub fn store(tdb: &TestDatabase, keys: Arc<Keyring>) -> SqlStore {
    SqlStore::new(tdb.connect(), keys)
}

pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

pub fn config(plain: Value, secrets: Value) -> Config {
    Config::from_parts(object(plain), object(secrets))
}

pub fn integration(
    org: &OrgId,
    name: &str,
    kind: IntegrationType,
    environment: Environment,
    status: Status,
    config: Config,
) -> Integration {
    let at = now();
    Integration {
        id: IntegrationId::generate(),
        seq: 0,
        org_id: org.clone(),
        name: name.to_owned(),
        kind,
        environment,
        status,
        is_managed: false,
        managed_key: None,
        config,
        last_test: None,
        recorded_health: None,
        send_hold_until: None,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

/// A Slack integration with one plain and one secret field.
pub fn slack(org: &OrgId, name: &str, token: &str) -> Integration {
    integration(
        org,
        name,
        IntegrationType::Slack,
        Environment::Production,
        Status::Active,
        config(json!({"channel": "#ops"}), json!({"botToken": token})),
    )
}

/// The parts of an integration a round trip must preserve, comparable.
pub fn snapshot(i: &Integration) -> Value {
    json!({
        "id": i.id.as_str(),
        "seq": i.seq,
        "org": i.org_id.as_str(),
        "name": i.name,
        "type": i.kind.slug(),
        "environment": i.environment.as_str(),
        "status": i.status.as_str(),
        "managed": i.is_managed,
        "plain": i.config.plain_json(),
        "secrets": i.config.expose_secrets_for_encryption(),
        "lastTest": i.last_test.as_ref().map(|t| json!({
            "success": t.success, "message": t.message, "latency": t.latency_ms,
            "at": t.tested_at.to_rfc3339(),
        })),
        "version": i.version,
        "created": i.created_at.to_rfc3339(),
        "updated": i.updated_at.to_rfc3339(),
    })
}
