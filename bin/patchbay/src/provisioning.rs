//! Operator provisioning from a TOML file (`provisioning.file`), read at
//! start-up and by `patchbay provision`.
//!
//! ```toml
//! [[integration]]
//! organization = "acme"            # created if it does not exist
//! key = "sendgrid-main"            # stable: how later runs find it
//! type = "sendgrid"                # a catalogue slug
//! name = "Transactional email"     # default: the key
//! environment = "production"       # default production
//! status = "active"                # default active
//!
//! [integration.config]             # config field names as /api/integrations names them
//! apiKey = "${SENDGRID_API_KEY}"   # secrets: only as ${ENV_VAR} references
//! fromEmail = "noreply@acme.dev"
//! ```
//!
//! A secret field must be written as a `${VAR}` reference, never as a value:
//! the file is configuration, often committed, and secrets belong in the
//! environment (a secret object such as a webhook's `headers` is read from
//! its variable as JSON). Non-secret string values may use `${VAR}` too.
//! Every problem in the file is reported before anything changes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use patchbay_domain::catalogue::FieldKind;
use patchbay_domain::provisioning::{ManagedEntry, ProvisionReport};
use patchbay_domain::{Environment, IntegrationService, IntegrationType, Status, TenantStore};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Reads an environment variable: `std::env::var` in the service, a map in
/// tests.
pub type EnvLookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Send + Sync);

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisioningFile {
    #[serde(default)]
    integration: Vec<FileEntry>,
}

/// One `[[integration]]` table. No `Debug`: `config` may hold a literal
/// secret the operator wrote by mistake.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    organization: String,
    key: String,
    #[serde(rename = "type")]
    kind: String,
    name: Option<String>,
    environment: Option<String>,
    status: Option<String>,
    #[serde(default)]
    config: Map<String, Value>,
}

/// The entries of a file, per organization name, with references resolved.
pub type Entries = BTreeMap<String, Vec<ManagedEntry>>;

/// What one run did, per organization name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgReport {
    pub organization: String,
    pub report: ProvisionReport,
}

/// Read and resolve a provisioning file. Errors name the entry, the field
/// and the variable, never a value.
pub fn load(path: &Path, env: EnvLookup<'_>) -> anyhow::Result<Entries> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the provisioning file {}", path.display()))?;
    parse(&text, env).with_context(|| format!("in the provisioning file {}", path.display()))
}

/// `${NAME}` → `NAME`.
fn reference(s: &str) -> Option<&str> {
    let name = s.strip_prefix("${")?.strip_suffix('}')?;
    let ok = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    ok.then_some(name)
}

pub fn parse(text: &str, env: EnvLookup<'_>) -> anyhow::Result<Entries> {
    // The TOML error quotes the offending line, which could be a secret
    // written in the wrong place: report only where it is.
    let file: ProvisioningFile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(" at line {line}")
            })
            .unwrap_or_default();
        anyhow::anyhow!("not a valid provisioning file{at}: {}", e.message())
    })?;
    let mut problems: Vec<String> = Vec::new();
    let mut entries = Entries::new();
    for (i, entry) in file.integration.into_iter().enumerate() {
        let org = entry.organization.trim().to_string();
        let label = format!("integration[{i}] ({}/{})", org, entry.key);
        if org.is_empty() {
            problems.push(format!("{label}: organization must not be empty"));
        }
        let Some(kind) = IntegrationType::from_slug(&entry.kind) else {
            let slugs: Vec<&str> = IntegrationType::all().iter().map(|t| t.slug()).collect();
            problems.push(format!(
                "{label}: type must be one of: {}",
                slugs.join(", ")
            ));
            continue;
        };
        let environment = match entry.environment.as_deref() {
            None => Environment::default(),
            Some(s) => Environment::parse(s).unwrap_or_else(|| {
                problems.push(format!(
                    "{label}: environment must be one of: stage, production"
                ));
                Environment::default()
            }),
        };
        let status = match entry.status.as_deref() {
            None => Status::default(),
            Some(s) => Status::parse(s).unwrap_or_else(|| {
                problems.push(format!("{label}: status must be one of: active, inactive"));
                Status::default()
            }),
        };
        let mut config = Map::new();
        for (field_name, value) in entry.config {
            let path = format!("{label}: config.{field_name}");
            let field = kind.canonical_field(&field_name);
            let secret = field.is_some_and(|f| f.secret);
            let structured = field.is_some_and(|f| f.kind == FieldKind::StringMap);
            let referenced = value.as_str().and_then(reference).map(str::to_owned);
            let resolved = match (referenced, secret) {
                (Some(var), _) => match env(&var) {
                    None => {
                        problems.push(format!(
                            "{path} refers to the environment variable {var}, which is not set"
                        ));
                        continue;
                    }
                    Some(v) if structured => match serde_json::from_str::<Value>(&v) {
                        Ok(json) => json,
                        Err(_) => {
                            problems.push(format!(
                                "{path}: the environment variable {var} must hold a JSON object"
                            ));
                            continue;
                        }
                    },
                    Some(v) => Value::String(v),
                },
                (None, true) => {
                    problems.push(format!(
                        "{path} is a secret and must not be written in the file: \
                         reference an environment variable instead, e.g. \"${{{}}}\"",
                        suggested_var(&entry.key, &field_name)
                    ));
                    continue;
                }
                // Unknown fields and bad values are the domain's to report.
                (None, false) => value,
            };
            config.insert(field_name, resolved);
        }
        entries.entry(org).or_default().push(ManagedEntry {
            name: entry.name.unwrap_or_else(|| entry.key.clone()),
            key: entry.key,
            kind,
            environment,
            status,
            config,
        });
    }
    if !problems.is_empty() {
        bail!(list(&problems));
    }
    Ok(entries)
}

/// `sendgrid-main` + `apiKey` → `SENDGRID_MAIN_API_KEY`.
fn suggested_var(key: &str, field: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out.push('_');
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

fn list(problems: &[String]) -> String {
    let mut out = format!(
        "{} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        let _ = write!(out, "\n  - {p}");
    }
    out
}

/// Make the stored managed integrations match `entries`: every
/// organization's entries are validated first (nothing changes if any is
/// invalid), then each organization is reconciled, including organizations
/// that have managed integrations but no entry any more.
pub async fn apply(
    entries: Entries,
    service: &IntegrationService,
    tenants: &dyn TenantStore,
) -> anyhow::Result<Vec<OrgReport>> {
    let mut prepared = Vec::new();
    let mut problems = Vec::new();
    for (org, org_entries) in entries {
        match service.prepare_managed(org_entries) {
            Ok(p) => prepared.push((org, p)),
            Err(errors) => {
                for e in errors.0 {
                    problems.push(format!("{org}/{}: {}", e.field, e.message));
                }
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "the provisioning file is invalid, nothing was changed: {}",
            list(&problems)
        );
    }
    let mut reports = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, entries) in prepared {
        let org = tenants
            .ensure_organization(&name)
            .await
            .with_context(|| format!("creating organization {name}"))?;
        seen.insert(org.id.clone());
        let report = service
            .apply_managed(&org.id, entries)
            .await
            .map_err(|e| anyhow::anyhow!("provisioning organization {name}: {e}"))?;
        reports.push(OrgReport {
            organization: name,
            report,
        });
    }
    let stale = service
        .store()
        .orgs_with_managed()
        .await
        .context("listing organizations with managed integrations")?;
    for org_id in stale.into_iter().filter(|o| !seen.contains(o)) {
        let name = tenants
            .get_organization(&org_id)
            .await
            .context("reading an organization")?
            .map_or_else(|| org_id.to_string(), |o| o.name);
        let report = service
            .apply_managed(&org_id, Vec::new())
            .await
            .map_err(|e| anyhow::anyhow!("provisioning organization {name}: {e}"))?;
        reports.push(OrgReport {
            organization: name,
            report,
        });
    }
    Ok(reports)
}

/// Load the file and apply it.
pub async fn run(
    path: &Path,
    env: EnvLookup<'_>,
    service: &IntegrationService,
    tenants: &dyn TenantStore,
) -> anyhow::Result<Vec<OrgReport>> {
    let entries = load(path, env)?;
    apply(entries, service, tenants).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SG_KEY" => Some("SG.CANARYaaaaaaaaaaaaaaaa".into()),
            "HEADERS" => Some(r#"{"Authorization": "Bearer x"}"#.into()),
            _ => None,
        }
    }

    const FILE: &str = r#"
[[integration]]
organization = "acme"
key = "sendgrid-main"
type = "sendgrid"
environment = "stage"
[integration.config]
apiKey = "${SG_KEY}"
fromEmail = "noreply@acme.dev"

[[integration]]
organization = "acme"
key = "hook"
type = "webhook"
[integration.config]
url = "https://example.com/hook"
"#;

    #[test]
    fn references_resolve_and_literal_secrets_are_refused() {
        let err = parse(FILE, &env).unwrap_err().to_string();
        assert!(err.contains("config.url is a secret"), "{err}");
        assert!(err.contains("${HOOK_URL}"), "{err}");
        assert!(!err.contains("example.com"), "{err}");

        let ok = FILE.replace(
            "\"https://example.com/hook\"",
            "\"${SG_KEY}\"\nheaders = \"${HEADERS}\"",
        );
        let entries = parse(&ok, &env).unwrap();
        let acme = &entries["acme"];
        assert_eq!(acme.len(), 2);
        assert_eq!(acme[0].config["apiKey"], "SG.CANARYaaaaaaaaaaaaaaaa");
        assert_eq!(acme[0].environment, Environment::Stage);
        assert_eq!(acme[0].name, "sendgrid-main");
        assert_eq!(acme[1].config["headers"]["Authorization"], "Bearer x");
    }

    #[test]
    fn a_missing_variable_is_named() {
        let text = FILE.replace("${SG_KEY}", "${NOT_SET_ANYWHERE}");
        let err = parse(&text, &env).unwrap_err().to_string();
        assert!(err.contains("NOT_SET_ANYWHERE"), "{err}");
        assert!(err.contains("is not set"), "{err}");
    }

    #[test]
    fn syntax_errors_do_not_quote_the_file() {
        let err = parse("[[integration]]\napiKey = SG.CANARY-literal\n", &env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("CANARY"), "{err}");
        let err = parse(
            "[[integration]]\norganization = \"a\"\nkey = \"k\"\ntype = \"nope\"\n",
            &env,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("type must be one of"), "{err}");
    }

    #[test]
    fn references() {
        assert_eq!(reference("${A_B1}"), Some("A_B1"));
        assert_eq!(reference("${}"), None);
        assert_eq!(reference("${1A}"), None);
        assert_eq!(reference("$A"), None);
        assert_eq!(reference("x${A}"), None);
    }
}
