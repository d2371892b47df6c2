//! Layered configuration: compiled-in defaults, then an optional file, then
//! `PATCHBAY__SECTION__KEY` environment variables. Unknown keys are refused
//! at every level, so a typo is an error rather than a silent default.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");
/// Read when present in the working directory and no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "patchbay.toml";

pub use crate::setting_values::{LogFormat, RunEnvironment};

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: RunEnvironment,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub secrets: SecretSettings,
    pub log: LogSettings,
    pub api: ApiSettings,
    #[serde(default)]
    pub outbound: patchbay_provider_kit::OutboundConfig,
    pub providers: ProviderSettings,
    #[serde(default)]
    pub delivery: crate::delivery_settings::DeliveryConfig,
    #[serde(default)]
    pub provisioning: ProvisioningSettings,
}

/// Operator-managed integrations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisioningSettings {
    /// A TOML file of managed integrations, applied at start-up and by
    /// `patchbay provision`. Unset: no provisioning (managed integrations
    /// already stored are left alone).
    pub file: Option<PathBuf>,
}

/// Where each provider's API lives, and which webhook hosts are accepted
/// beyond the providers' own (self-hosted relays, test servers).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// Refuse plain-http webhook, RPC and gateway URLs.
    pub require_https: bool,
    pub discord: WebhookHostSettings,
    pub slack: SlackSettings,
    pub telegram: BaseUrlSettings,
    pub sendgrid: SendgridSettings,
    pub resend: BaseUrlSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookHostSettings {
    pub extra_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    pub base_url: url::Url,
    pub extra_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseUrlSettings {
    pub base_url: url::Url,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendgridSettings {
    pub base_url: url::Url,
    pub eu_base_url: url::Url,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub host: String,
    #[serde(deserialize_with = "crate::setting_values::port")]
    pub port: u16,
    pub max_body_bytes: usize,
    pub workers: usize,
    /// How long a client may take to send a request's head before 408.
    pub client_request_timeout_ms: u64,
    /// On SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May hold a password: kept out of `Debug`.
    pub url: SecretString,
    pub pool_size: u32,
    /// How long a request waits for a database connection (and, on SQLite,
    /// for a lock) before it answers 503: a database that does not answer
    /// is reported within this time.
    pub checkout_timeout_ms: u64,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSettings {
    /// `id:base64key` entries, comma- or newline-separated.
    pub keys: Option<SecretString>,
    /// Which key seals new values; the last listed when absent.
    pub active_key: Option<String>,
    /// A file holding `id:base64key` lines.
    pub key_file: Option<PathBuf>,
    /// Development only: generated on first start when no key is configured.
    pub dev_key_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    pub auth_cache_ttl_secs: u64,
    /// Refused API keys a client address may present per window; 0: no limit.
    pub auth_failure_limit: u32,
    pub auth_failure_window_secs: u64,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<patchbay_api::AddrRange>,
    /// Origins whose browser pages may call the API (CORS).
    pub cors_allowed_origins: Vec<String>,
    /// Where `serve` keeps a fresh install's bootstrap admin key (mode
    /// 0600) until someone has seen it.
    pub bootstrap_key_file: PathBuf,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("environment", &self.environment)
            .field("http", &self.http)
            .field("database", &"[redacted]")
            .field("secrets", &"[redacted]")
            .field("log", &self.log)
            .field("api", &self.api)
            .field("outbound", &self.outbound)
            .field("providers", &self.providers)
            .field("delivery", &self.delivery)
            .field("provisioning", &self.provisioning)
            .finish()
    }
}

impl Settings {
    /// Load from the process environment; `file` is `--config` when given
    /// (it must exist), else `patchbay.toml` in the working directory if any.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(file, None)
    }

    /// Load with an explicit environment map instead of the process's (tests).
    pub fn load_from(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
    ) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        match file {
            Some(path) => {
                if !path.exists() {
                    bail!("configuration file {} does not exist", path.display());
                }
                builder =
                    builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
            }
            None => {
                let default = Path::new(DEFAULT_CONFIG_FILE);
                if default.exists() {
                    builder = builder
                        .add_source(config::File::from(default).format(config::FileFormat::Toml));
                }
            }
        }
        let mut env_source = config::Environment::with_prefix("PATCHBAY")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            // Lists in environment variables are comma-separated.
            .list_separator(",")
            .with_list_parse_key("outbound.allow_private_networks")
            .with_list_parse_key("api.trusted_proxies")
            .with_list_parse_key("api.cors_allowed_origins")
            .with_list_parse_key("providers.discord.extra_hosts")
            .with_list_parse_key("providers.slack.extra_hosts");
        if let Some(map) = env {
            env_source = env_source.source(Some(map));
        }
        let settings: Settings = builder
            .add_source(env_source)
            .build()
            .context("reading configuration")?
            .try_deserialize()
            .context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        crate::setting_values::check_database_url(self.database.url.expose_secret())
            .map_err(anyhow::Error::msg)?;
        if self.database.pool_size == 0 {
            bail!("database.pool_size must be at least 1");
        }
        if !(100..=60_000).contains(&self.database.checkout_timeout_ms) {
            bail!("database.checkout_timeout_ms must be between 100 and 60000");
        }
        self.delivery.validate()?;
        if self.api.auth_failure_limit > 0 && self.api.auth_failure_window_secs == 0 {
            bail!(
                "api.auth_failure_window_secs must be at least 1 (or set api.auth_failure_limit to 0 to turn the limit off)"
            );
        }
        crate::logging::parse_filter(&self.log.level)
            .map_err(|e| anyhow::anyhow!("log.level is not a valid log filter: {e}"))?;
        if self.http.max_body_bytes < 1024 {
            bail!("http.max_body_bytes must be at least 1024");
        }
        if self.environment == RunEnvironment::Production
            && self.secrets.keys.is_none()
            && self.secrets.key_file.is_none()
        {
            bail!(
                "environment is production but no encryption key is configured: set secrets.keys \
                 (PATCHBAY__SECRETS__KEYS) or secrets.key_file (PATCHBAY__SECRETS__KEY_FILE); \
                 `patchbay keys generate` prints a new key"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_are_sqlite_on_localhost() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.http.host, "127.0.0.1");
        assert_eq!(s.http.port, 8080);
        assert!(
            s.database
                .url
                .expose_secret()
                .starts_with("sqlite://./data/")
        );
        assert_eq!(s.environment, RunEnvironment::Development);
        assert!(
            s.outbound.allow_private_networks.is_empty(),
            "the SSRF guard is on by default"
        );
        assert_eq!(
            s.providers.telegram.base_url.as_str(),
            "https://api.telegram.org/"
        );
    }

    #[test]
    fn lists_from_the_environment() {
        let s = Settings::load_from(
            None,
            env(&[
                (
                    "PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS",
                    "127.0.0.0/8,::1/128",
                ),
                (
                    "PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS",
                    "127.0.0.1:9000",
                ),
                ("PATCHBAY__OUTBOUND__TOTAL_TIMEOUT_MS", "2000"),
            ]),
        )
        .unwrap();
        assert_eq!(s.outbound.allow_private_networks.len(), 2);
        assert_eq!(s.outbound.total_timeout, std::time::Duration::from_secs(2));
        assert_eq!(
            s.providers.discord.extra_hosts,
            vec!["127.0.0.1:9000".to_string()]
        );
        let err = Settings::load_from(
            None,
            env(&[("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "not-a-cidr")]),
        );
        assert!(err.is_err());
    }

    #[test]
    fn env_overrides_defaults_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "[http]\nport = 9000\nhost = \"0.0.0.0\"\n").unwrap();
        let s = Settings::load_from(
            Some(&file),
            env(&[
                ("PATCHBAY__HTTP__PORT", "9100"),
                ("PATCHBAY__DATABASE__URL", "postgres://u@db/x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.http.port, 9100);
        assert_eq!(s.http.host, "0.0.0.0");
        assert_eq!(s.database.url.expose_secret(), "postgres://u@db/x");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Settings::load_from(None, env(&[("PATCHBAY__HTTP__PROT", "1")])).unwrap_err();
        assert!(format!("{err:#}").contains("prot"), "{err:#}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, "[databse]\nurl = \"x\"\n").unwrap();
        let err = Settings::load_from(Some(&file), env(&[])).unwrap_err();
        assert!(format!("{err:#}").contains("databse"), "{err:#}");
    }

    #[test]
    fn trusted_proxies_from_the_environment() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert!(s.api.trusted_proxies.is_empty());
        assert_eq!(s.api.auth_failure_limit, 20);
        let s = Settings::load_from(
            None,
            env(&[("PATCHBAY__API__TRUSTED_PROXIES", "10.0.0.0/8,fd00::1")]),
        )
        .unwrap();
        assert_eq!(s.api.trusted_proxies.len(), 2);
        let err = Settings::load_from(
            None,
            env(&[("PATCHBAY__API__TRUSTED_PROXIES", "proxy.internal")]),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("CIDR"), "{err:#}");
    }

    #[test]
    fn checkout_timeout_is_two_seconds_and_bounded() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.database.checkout_timeout_ms, 2000);
        let s = Settings::load_from(
            None,
            env(&[("PATCHBAY__DATABASE__CHECKOUT_TIMEOUT_MS", "500")]),
        )
        .unwrap();
        assert_eq!(s.database.checkout_timeout_ms, 500);
        for bad in ["0", "99", "60001"] {
            let err = Settings::load_from(
                None,
                env(&[("PATCHBAY__DATABASE__CHECKOUT_TIMEOUT_MS", bad)]),
            )
            .unwrap_err();
            assert!(
                format!("{err:#}").contains("checkout_timeout_ms"),
                "{err:#}"
            );
        }
    }

    #[test]
    fn provisioning_file_is_optional() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.provisioning.file, None);
        let s = Settings::load_from(
            None,
            env(&[("PATCHBAY__PROVISIONING__FILE", "/etc/patchbay/managed.toml")]),
        )
        .unwrap();
        assert_eq!(
            s.provisioning.file.as_deref(),
            Some(Path::new("/etc/patchbay/managed.toml"))
        );
    }

    #[test]
    fn missing_config_file_is_an_error() {
        assert!(
            Settings::load_from(Some(Path::new("/nonexistent/patchbay.toml")), env(&[])).is_err()
        );
    }

    #[test]
    fn production_without_key_is_refused() {
        let err =
            Settings::load_from(None, env(&[("PATCHBAY__ENVIRONMENT", "production")])).unwrap_err();
        assert!(format!("{err:#}").contains("no encryption key"), "{err:#}");
        let ok = Settings::load_from(
            None,
            env(&[
                ("PATCHBAY__ENVIRONMENT", "production"),
                (
                    "PATCHBAY__SECRETS__KEYS",
                    "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
            ]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn a_log_level_that_is_no_filter_is_refused() {
        let err =
            Settings::load_from(None, env(&[("PATCHBAY__LOG__LEVEL", "loud!!")])).unwrap_err();
        assert!(
            format!("{err:#}").contains("log.level is not a valid log filter"),
            "{err:#}"
        );
        let ok = Settings::load_from(
            None,
            env(&[("PATCHBAY__LOG__LEVEL", "warn,patchbay=debug")]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn debug_hides_database_url_and_keys() {
        let s = Settings::load_from(
            None,
            env(&[
                ("PATCHBAY__DATABASE__URL", "postgres://u:hunter2@db/x"),
                ("PATCHBAY__SECRETS__KEYS", "k1:c2VjcmV0"),
            ]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("c2VjcmV0"));
    }
}
