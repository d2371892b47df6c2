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
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, TestDatabase, id_of, on_both_backends, settings_for};

on_both_backends!(
    provisioning_creates_updates_and_deletes_idempotently,
    managed_integrations_refuse_changes_through_both_apis,
    missing_variables_and_literal_secrets_are_clear_errors,
    start_up_applies_the_provisioning_file,
    a_managed_member_of_a_group_is_not_deprovisioned,
);

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
    integration_service(&settings_for(app.database(), &[]), &app.app_store).unwrap()
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

/// The organization's integrations, by name, as `/api/integrations` lists
/// them.
async fn by_name(org: &Client) -> HashMap<String, Value> {
    let list = org.list_integrations("").await.expect(200);
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_string(), i.clone()))
        .collect()
}

async fn provisioning_creates_updates_and_deletes_idempotently(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let acme = app.with_key(&app.key_for("acme", "admin").await);
    let globex = app.with_key(&app.key_for("globex", "admin").await);
    // An integration made through the API: provisioning never touches it.
    let mine = acme
        .create_integration(
            &json!({"name": "Mine", "type": "ai-gateway", "config": {"apiKey": "k"}}),
        )
        .await
        .expect(201);
    let mine = id_of(&mine);

    let env = [("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)];
    let reports = provision(&app, &file_v1(), &env).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(2, 0, 0, 0));
    assert_eq!(report(&reports, "globex"), counts(1, 0, 0, 0));

    let items = by_name(&acme).await;
    assert_eq!(items.len(), 3, "{items:?}");
    let email = items["Transactional email"].clone();
    let hook = items["hook"].clone();
    assert_eq!(email["isManaged"], true);
    assert_eq!(email["environment"], "stage");
    assert_eq!(hook["isManaged"], true, "the name defaults to the key");
    assert_eq!(items["Mine"]["isManaged"], false);
    let email_id = id_of(&email);
    let hook_id = id_of(&hook);
    let r = acme.get_integration(&email_id).await;
    let (email_tag, email_detail) = (r.header("etag"), r.json());
    assert_eq!(
        email_detail["config"],
        json!({"fromEmail": "noreply@acme.dev"})
    );
    assert_eq!(
        email_detail["secrets"],
        json!([{"field": "apiKey", "hint": "…AAAA"}])
    );
    let r = acme.get_integration(&hook_id).await;
    let (hook_tag, hook_detail) = (r.header("etag"), r.json());
    let globex_items = by_name(&globex).await;
    assert_eq!(globex_items["tg"]["status"], "inactive");
    assert_eq!(globex_items["tg"]["isManaged"], true);

    // The same file again changes nothing: versions stay, and the webhook's
    // generated signing secret is not generated anew.
    let reports = provision(&app, &file_v1(), &env).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 0, 0, 2));
    assert_eq!(report(&reports, "globex"), counts(0, 0, 0, 1));
    let r = acme.get_integration(&email_id).await;
    assert_eq!(r.header("etag"), email_tag);
    assert_eq!(r.json()["updatedAt"], email_detail["updatedAt"]);
    let r = acme.get_integration(&hook_id).await;
    assert_eq!(r.header("etag"), hook_tag);
    assert_eq!(r.json()["secrets"], hook_detail["secrets"]);

    // An invalid file changes nothing, and says what is wrong.
    let bad = file_v1().replace("noreply@acme.dev", "not-an-address");
    let err = provision(&app, &bad, &env).await.unwrap_err();
    assert!(err.contains("acme/sendgrid-main.config.fromEmail"), "{err}");
    assert!(!err.contains("CANARY"), "{err}");
    assert_eq!(
        acme.get_integration(&email_id).await.header("etag"),
        email_tag
    );

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
    let r = acme.get_integration(&email_id).await;
    let (tag, detail) = (r.header("etag"), r.json());
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
    assert_eq!(acme.get_integration(&hook_id).await.status, 404);
    assert!(by_name(&globex).await.is_empty());
    assert_eq!(
        acme.get_integration(&mine).await.status,
        200,
        "API-made integrations are never touched"
    );
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
    let items = by_name(&acme).await;
    assert_eq!(items["Transactional email"]["type"], "resend");
    assert_ne!(items["Transactional email"]["id"], email_id.as_str());

    // An empty file removes every managed integration, and only those.
    let reports = provision(&app, "", &[]).await.unwrap();
    assert_eq!(report(&reports, "acme"), counts(0, 0, 1, 0));
    let items = by_name(&acme).await;
    assert_eq!(items.keys().collect::<Vec<_>>(), vec!["Mine"]);
}

async fn managed_integrations_refuse_changes_through_both_apis(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    provision(
        &app,
        &file_v1(),
        &[("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)],
    )
    .await
    .unwrap();
    let acme = app.with_key(&app.key_for("acme", "admin").await);
    let id = id_of(&by_name(&acme).await["Transactional email"]);
    let list = acme.type_id_list("").await.json();
    let seq = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["integration"]["slug"] == "sendgrid")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let before = acme.get_integration(&id).await.header("etag");

    for (what, r) in [
        (
            "PUT /api/integrations",
            acme.update_integration(&id, &json!({"name": "Mine now"}))
                .await,
        ),
        (
            "DELETE /api/integrations",
            acme.delete_integration(&id).await,
        ),
        (
            "PUT /integrations",
            acme.type_id_update(seq, &json!({"data": {"from_name": "Mine now"}}))
                .await,
        ),
        (
            "PATCH /integrations status",
            acme.type_id_set_status(seq, &json!({"status": "inactive"}))
                .await,
        ),
        ("DELETE /integrations", acme.type_id_delete(seq).await),
    ] {
        assert_eq!(r.status, 409, "{what}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json")
        );
        let p = r.json();
        assert_eq!(p["type"], "/problems/managed", "{what}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("managed by the operator"),
            "{p}"
        );
    }
    // Unchanged, and still readable through both APIs.
    let r = acme.get_integration(&id).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag"), before);
    let detail = r.json();
    assert_eq!(detail["isManaged"], true);
    let r = acme.type_id_get(seq).await;
    assert_eq!(r.status, 200);
    let by_type_id = r.json();
    assert_eq!(by_type_id["data"]["from_email"], "noreply@acme.dev");
    assert!(!by_type_id.to_string().contains("CANARY"));
    assert!(!detail.to_string().contains("CANARY"));
}

async fn missing_variables_and_literal_secrets_are_clear_errors(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
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
    // A name that does not show what it holds, as through the API.
    let hidden = file_v1().replace("Transactional email", "Transactional\u{200B}email");
    let err = provision(
        &app,
        &hidden,
        &[("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)],
    )
    .await
    .unwrap_err();
    assert!(err.contains("sendgrid-main.name"), "{err}");
    assert!(err.contains("invisible"), "{err}");
    // Nothing was created by any attempt.
    let acme = app.with_key(&app.key_for("acme", "admin").await);
    assert!(by_name(&acme).await.is_empty());

    // At start-up, the same error stops the service before it serves.
    let fresh = app.database().another();
    let file =
        TempFile::new(&file_v1().replace("${HOOK_URL}", "${PATCHBAY_E2E_SURELY_UNSET_VARIABLE}"));
    let path = file.0.display().to_string();
    let err = Application::build(settings_for(
        &fresh,
        &[("PATCHBAY__PROVISIONING__FILE", &path)],
    ))
    .await
    .err()
    .map(|e| format!("{e:#}"))
    .expect("start-up refuses");
    assert!(err.contains("PATCHBAY_E2E_SURELY_UNSET_VARIABLE"), "{err}");
}

async fn start_up_applies_the_provisioning_file(db: TestDatabase) {
    // Start-up reads the process's environment, which a test cannot safely
    // change; any variable this process has will do, with a value an AI
    // gateway key takes (cargo always sets a few, e.g. CARGO_PKG_NAME).
    let (var, _) = std::env::vars()
        .find(|(k, v)| {
            !v.trim().is_empty()
                && v.len() < 4096
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !k.as_bytes()[0].is_ascii_digit()
        })
        .expect("the test process has an environment variable to provision with");
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
    let app = TestApp::spawn_with(db, &[("PATCHBAY__PROVISIONING__FILE", &path)]).await;
    let acme = app.with_key(&app.key_for("acme", "read").await);
    let items = by_name(&acme).await;
    assert_eq!(items["Gateway"]["isManaged"], true);
    assert_eq!(items["Gateway"]["type"], "ai-gateway");
}

async fn a_managed_member_of_a_group_is_not_deprovisioned(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let acme = app.with_key(&app.key_for("acme", "admin").await);
    let env = [("SG_KEY", SG_1), ("HOOK_URL", HOOK), ("TG_TOKEN", TG)];
    provision(&app, &file_v1(), &env).await.unwrap();
    let hook = id_of(&by_name(&acme).await["hook"]);
    let group = acme
        .create_group(
            &json!({"name": "Ops chain", "strategy": "failover", "integrationIds": [hook]}),
        )
        .await
        .ok(201);
    // A file that no longer lists the hook cannot take it from the group.
    let without_hook = file_v1().replace(
        "[[integration]]\norganization = \"acme\"\nkey = \"hook\"\ntype = \"webhook\"\n[integration.config]\nurl = \"${HOOK_URL}\"\nmethod = \"PUT\"\n",
        "",
    );
    assert_ne!(without_hook, file_v1());
    let err = provision(&app, &without_hook, &env).await.unwrap_err();
    assert!(err.contains(group["id"].as_str().unwrap()), "{err}");
    assert!(err.contains("Ops chain"), "{err}");
    acme.get_integration(&hook).await.ok(200);
    // Once the group lets it go, the same file removes it.
    assert_eq!(acme.delete_group(&id_of(&group)).await.status, 204);
    provision(&app, &without_hook, &env).await.unwrap();
    acme.get_integration(&hook).await.problem(404, "not-found");
}
