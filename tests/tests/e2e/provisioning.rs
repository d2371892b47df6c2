//! Operator provisioning end to end: the file applied by the same code as
//! `patchbay provision` and start-up, against the real app on both
//! backends; managed integrations refuse changes through both APIs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use patchbay::app::{Application, integration_service};
use patchbay::provisioning::OrgReport;
use patchbay_domain::IntegrationService;
use patchbay_domain::provisioning::ProvisionReport;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, database, settings_for};

/// A file in the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "patchbay-provisioning-{}-{}.toml",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn service(app: &TestApp) -> IntegrationService {
    integration_service(&settings_for(&app._db, &[]), &app.app_store).unwrap()
}

/// Apply `file` with these environment variables, as `patchbay provision`
/// does (reading the file from disk). Errors as their full text.
async fn provision(
    app: &TestApp,
    file: &str,
    env: &[(&str, &str)],
) -> Result<Vec<OrgReport>, String> {
    let vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| vars.get(name).cloned();
    let f = TempFile::new(file);
    patchbay::provisioning::run(&f.0, &lookup, &service(app), app.app_store.as_ref())
        .await
        .map_err(|e| format!("{e:#}"))
}

fn report(reports: &[OrgReport], org: &str) -> ProvisionReport {
    reports
        .iter()
        .find(|r| r.organization == org)
        .unwrap_or_else(|| panic!("no report for {org}: {reports:?}"))
        .report
}

fn counts(created: usize, updated: usize, deleted: usize, unchanged: usize) -> ProvisionReport {
    ProvisionReport {
        created,
        updated,
        deleted,
        unchanged,
    }
}

const SG_1: &str = "SG.CANARYprovision0000000AAAA";
const SG_2: &str = "SG.CANARYprovision0000000BBBB";
const HOOK: &str = "https://example.com/hooks/CANARY-hook";
const TG: &str = "123456789:CANARYtelegramtokenAAbbCCdd";

fn file_v1() -> String {
    r#"
[[integration]]
organization = "acme"
key = "sendgrid-main"
type = "sendgrid"
name = "Transactional email"
environment = "stage"
[integration.config]
apiKey = "${SG_KEY}"
fromEmail = "noreply@acme.dev"

[[integration]]
organization = "acme"
key = "hook"
type = "webhook"
[integration.config]
url = "${HOOK_URL}"
method = "PUT"

[[integration]]
organization = "globex"
key = "tg"
type = "telegram"
status = "inactive"
[integration.config]
botToken = "${TG_TOKEN}"
chatId = -100123
"#
    .to_string()
}

async fn get(app: &TestApp, key: &str, path: &str) -> (u16, Option<String>, Value) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let etag = res
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    (
        status,
        etag,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// The organization's integrations, by name, as the first API lists them.
async fn by_name(app: &TestApp, key: &str) -> HashMap<String, Value> {
    let (status, _, list) = get(app, key, "/api/integrations").await;
    assert_eq!(status, 200);
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_string(), i.clone()))
        .collect()
}

async fn provisioning_creates_updates_and_deletes_idempotently(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let acme = app.key_for("acme", "admin").await;
    let globex = app.key_for("globex", "admin").await;
    // An integration made through the API: provisioning never touches it.
    let res = app
        .client
        .post(app.url("/api/integrations"))
        .bearer_auth(&acme)
        .json(&json!({"name": "Mine", "type": "ai-gateway", "config": {"apiKey": "k"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mine = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let env = [("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)];
    let reports = provision(&app, &file_v1(), &env).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(2, 0, 0, 0));
    assert_eq!(report(&reports, "globex"), counts(1, 0, 0, 0));

    let items = by_name(&app, &acme).await;
    assert_eq!(items.len(), 3, "{items:?}");
    let email = items["Transactional email"].clone();
    let hook = items["hook"].clone();
    assert_eq!(email["isManaged"], true);
    assert_eq!(email["environment"], "stage");
    assert_eq!(hook["isManaged"], true, "the name defaults to the key");
    assert_eq!(items["Mine"]["isManaged"], false);
    let email_id = email["id"].as_str().unwrap().to_string();
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let (_, email_tag, email_detail) =
        get(&app, &acme, &format!("/api/integrations/{email_id}")).await;
    assert_eq!(
        email_detail["config"],
        json!({"fromEmail": "noreply@acme.dev"})
    );
    assert_eq!(
        email_detail["secrets"],
        json!([{"field": "apiKey", "hint": "…AAAA"}])
    );
    let (_, hook_tag, hook_detail) =
        get(&app, &acme, &format!("/api/integrations/{hook_id}")).await;
    let globex_items = by_name(&app, &globex).await;
    assert_eq!(globex_items["tg"]["status"], "inactive");
    assert_eq!(globex_items["tg"]["isManaged"], true);

    // The same file again changes nothing: versions stay, and the webhook's
    // generated signing secret is not generated anew.
    let reports = provision(&app, &file_v1(), &env).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 0, 0, 2));
    assert_eq!(report(&reports, "globex"), counts(0, 0, 0, 1));
    let (_, tag, detail) = get(&app, &acme, &format!("/api/integrations/{email_id}")).await;
    assert_eq!(tag, email_tag);
    assert_eq!(detail["updatedAt"], email_detail["updatedAt"]);
    let (_, tag, detail) = get(&app, &acme, &format!("/api/integrations/{hook_id}")).await;
    assert_eq!(tag, hook_tag);
    assert_eq!(detail["secrets"], hook_detail["secrets"]);

    // An invalid file changes nothing, and says what is wrong.
    let bad = file_v1().replace("noreply@acme.dev", "not-an-address");
    let err = provision(&app, &bad, &env).await.unwrap_err();
    assert!(err.contains("acme/sendgrid-main.config.fromEmail"), "{err}");
    assert!(!err.contains("CANARY"), "{err}");
    let (_, tag, _) = get(&app, &acme, &format!("/api/integrations/{email_id}")).await;
    assert_eq!(tag, email_tag);

    // Changed: a new key value and address; the webhook is gone from the
    // file; globex is gone from it altogether.
    let v2 = r#"
[[integration]]
organization = "acme"
key = "sendgrid-main"
type = "sendgrid"
name = "Transactional email"
environment = "stage"
[integration.config]
apiKey = "${SG_KEY}"
fromEmail = "hello@acme.dev"
fromName = "Acme"
"#;
    let env2 = [("SG_KEY", SG_2)];
    let reports = provision(&app, v2, &env2).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 1, 1, 0));
    assert_eq!(report(&reports, "globex"), counts(0, 0, 1, 0));
    let (_, tag, detail) = get(&app, &acme, &format!("/api/integrations/{email_id}")).await;
    assert_ne!(tag, email_tag);
    assert!(tag.unwrap().ends_with("-v2\""));
    assert_eq!(
        detail["config"],
        json!({"fromEmail": "hello@acme.dev", "fromName": "Acme"})
    );
    assert_eq!(
        detail["secrets"],
        json!([{"field": "apiKey", "hint": "…BBBB"}])
    );
    let (status, _, _) = get(&app, &acme, &format!("/api/integrations/{hook_id}")).await;
    assert_eq!(status, 404);
    assert!(by_name(&app, &globex).await.is_empty());
    let (status, _, _) = get(&app, &acme, &format!("/api/integrations/{mine}")).await;
    assert_eq!(status, 200, "API-made integrations are never touched");
    let reports = provision(&app, v2, &env2).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 0, 0, 1));

    // A changed type replaces the integration (a type never changes).
    let v3 = r#"
[[integration]]
organization = "acme"
key = "sendgrid-main"
type = "resend"
name = "Transactional email"
[integration.config]
apiKey = "${RESEND_KEY}"
from = "Acme <hello@acme.dev>"
"#;
    let reports = provision(&app, v3, &[("RESEND_KEY", "re_CANARYresend")])
        .await
        .unwrap();
    assert_eq!(report(&reports, "acme"), counts(1, 0, 1, 0));
    let items = by_name(&app, &acme).await;
    assert_eq!(items["Transactional email"]["type"], "resend");
    assert_ne!(items["Transactional email"]["id"], email_id.as_str());

    // An empty file removes every managed integration, and only those.
    let reports = provision(&app, "", &[]).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 0, 1, 0));
    let items = by_name(&app, &acme).await;
    assert_eq!(items.keys().collect::<Vec<_>>(), vec!["Mine"]);
}
both!(provisioning_creates_updates_and_deletes_idempotently);

async fn managed_integrations_refuse_changes_through_both_apis(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    provision(
        &app,
        &file_v1(),
        &[("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)],
    )
    .await
    .unwrap();
    let acme = app.key_for("acme", "admin").await;
    let email = by_name(&app, &acme).await["Transactional email"].clone();
    let id = email["id"].as_str().unwrap().to_string();
    let (_, _, list) = get(&app, &acme, "/integrations").await;
    let seq = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["integration"]["slug"] == "sendgrid")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, before, _) = get(&app, &acme, &format!("/api/integrations/{id}")).await;

    for (method, path, body) in [
        (
            Method::PUT,
            format!("/api/integrations/{id}"),
            Some(json!({"name": "Mine now"})),
        ),
        (Method::DELETE, format!("/api/integrations/{id}"), None),
        (
            Method::PUT,
            format!("/integrations/{seq}"),
            Some(json!({"data": {"from_name": "Mine now"}})),
        ),
        (
            Method::PATCH,
            format!("/integrations/{seq}/status"),
            Some(json!({"status": "inactive"})),
        ),
        (Method::DELETE, format!("/integrations/{seq}"), None),
    ] {
        let mut req = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&acme);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 409, "{method} {path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["type"], "/problems/managed", "{method} {path}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("managed by the operator"),
            "{p}"
        );
    }
    // Unchanged, and still readable through both APIs.
    let (status, after, detail) = get(&app, &acme, &format!("/api/integrations/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(after, before);
    assert_eq!(detail["isManaged"], true);
    let (status, _, typed) = get(&app, &acme, &format!("/integrations/{seq}")).await;
    assert_eq!(status, 200);
    assert_eq!(typed["data"]["from_email"], "noreply@acme.dev");
    assert!(!typed.to_string().contains("CANARY"));
    assert!(!detail.to_string().contains("CANARY"));
}
both!(managed_integrations_refuse_changes_through_both_apis);

async fn missing_variables_and_literal_secrets_are_clear_errors(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let err = provision(&app, &file_v1(), &[("SG_KEY", SG_1), ("TG_TOKEN", TG)])
        .await
        .unwrap_err();
    assert!(err.contains("HOOK_URL"), "{err}");
    assert!(err.contains("is not set"), "{err}");
    assert!(err.contains("acme/hook"), "{err}");

    let literal = file_v1().replace("${SG_KEY}", SG_1);
    let err = provision(&app, &literal, &[("HOOK_URL", HOOK), ("TG_TOKEN", TG)])
        .await
        .unwrap_err();
    assert!(err.contains("config.apiKey is a secret"), "{err}");
    assert!(err.contains("${"), "{err}");
    assert!(
        !err.contains("CANARY"),
        "the literal is never repeated: {err}"
    );
    // Nothing was created by either attempt.
    let acme = app.key_for("acme", "admin").await;
    assert!(by_name(&app, &acme).await.is_empty());

    // At start-up, the same error stops the service before it serves.
    let Some(db) = database(backend) else { return };
    let file =
        TempFile::new(&file_v1().replace("${HOOK_URL}", "${PATCHBAY_E2E_SURELY_UNSET_VARIABLE}"));
    let path = file.0.display().to_string();
    let err = Application::build(settings_for(
        &db,
        &[("PATCHBAY__PROVISIONING__FILE", &path)],
    ))
    .await
    .err()
    .map(|e| format!("{e:#}"))
    .expect("start-up refuses");
    assert!(err.contains("PATCHBAY_E2E_SURELY_UNSET_VARIABLE"), "{err}");
}
both!(missing_variables_and_literal_secrets_are_clear_errors);

async fn start_up_applies_the_provisioning_file(backend: Backend) {
    // Any variable this process has, with a value an AI gateway key takes.
    let Some((var, _)) = std::env::vars().find(|(k, v)| {
        !v.trim().is_empty()
            && v.len() < 4096
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !k.as_bytes()[0].is_ascii_digit()
    }) else {
        return;
    };
    let file = TempFile::new(&format!(
        r#"
[[integration]]
organization = "acme"
key = "gateway"
type = "ai-gateway"
name = "Gateway"
[integration.config]
apiKey = "${{{var}}}"
defaultModel = "openai/gpt-4o-mini"
"#
    ));
    let path = file.0.display().to_string();
    let Some(app) = TestApp::spawn_with(backend, &[("PATCHBAY__PROVISIONING__FILE", &path)]).await
    else {
        return;
    };
    let acme = app.key_for("acme", "read").await;
    let items = by_name(&app, &acme).await;
    assert_eq!(items["Gateway"]["isManaged"], true);
    assert_eq!(items["Gateway"]["type"], "ai-gateway");
}
both!(start_up_applies_the_provisioning_file);
