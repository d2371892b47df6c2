//! Reading an integration's config the same way in every provider: a field
//! may be held as a secret or in the clear, and a configured URL is judged
//! by the client's guard before it is saved.

use patchbay_domain::validation::ValidationErrors;
use patchbay_domain::{Config, ConfigValue};
use serde_json::Value;
use url::Url;

use crate::client::OutboundClient;
use crate::error::OutboundError;

/// A field's text, whether held as a secret or in the clear, trimmed;
/// `None` when absent, blank or not a string.
pub fn config_text<'a>(config: &'a Config, key: &str) -> Option<&'a str> {
    let s = match config.get(key) {
        Some(ConfigValue::Secret(s)) => s.expose(),
        Some(ConfigValue::Plain(Value::String(s))) => s.as_str(),
        _ => return None,
    };
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// A field's JSON value, whether held as a secret or in the clear.
pub fn config_json(config: &Config, key: &str) -> Option<Value> {
    match config.get(key)? {
        ConfigValue::Secret(s) => Some(s.expose_json()),
        ConfigValue::Plain(v) => Some(v.clone()),
    }
}

/// A field's text as a URL; `None` when absent or not a valid URL.
pub fn config_url(config: &Config, key: &str) -> Option<Url> {
    config_text(config, key).and_then(|raw| Url::parse(raw).ok())
}

impl OutboundClient {
    /// `Provider::validate`'s check of a configured URL, reported against
    /// `field` (`config.webhookUrl`): the scheme and a literal host, without
    /// any network access (see [`Self::check_url`]). No URL, nothing to
    /// judge: the catalogue's rules report a missing or malformed one.
    pub fn validate_url(&self, field: &str, url: Option<&Url>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        match url.map(|u| self.check_url(u)) {
            None | Some(Ok(())) => {}
            Some(Err(OutboundError::Blocked { reason })) => errors.push(
                field,
                format!("points to an address Patchbay may not call ({reason})"),
            ),
            Some(Err(e)) => errors.push(field, e.to_string()),
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use patchbay_domain::SecretValue;
    use serde_json::json;

    use super::*;
    use crate::client::OutboundConfig;

    #[test]
    fn text_is_read_from_secrets_and_plain_values_trimmed() {
        let mut c = Config::new();
        c.insert_secret("key", SecretValue::from_json(&json!(" sk_1 ")));
        c.insert_plain("name", json!("Alerts"));
        c.insert_plain("blank", json!("  "));
        c.insert_plain("count", json!(3));
        assert_eq!(config_text(&c, "key"), Some("sk_1"));
        assert_eq!(config_text(&c, "name"), Some("Alerts"));
        assert_eq!(config_text(&c, "blank"), None);
        assert_eq!(config_text(&c, "count"), None);
        assert_eq!(config_text(&c, "missing"), None);
        assert_eq!(config_json(&c, "count"), Some(json!(3)));
        assert_eq!(config_json(&c, "key"), Some(json!(" sk_1 ")));
        c.insert_plain("url", json!(" https://example.com/x "));
        assert_eq!(
            config_url(&c, "url").map(String::from).as_deref(),
            Some("https://example.com/x")
        );
        assert_eq!(config_url(&c, "name"), None);
    }

    #[test]
    fn validate_url_reports_against_the_field() {
        let client = OutboundClient::new(OutboundConfig::default()).unwrap();
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(client.validate_url("config.url", None).is_ok());
        assert!(
            client
                .validate_url("config.url", Some(&url("https://example.com/")))
                .is_ok()
        );
        let errors = client
            .validate_url("config.url", Some(&url("http://127.0.0.1/")))
            .unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "config.url");
        assert_eq!(
            errors.0[0].message,
            "points to an address Patchbay may not call (loopback address)"
        );
        let errors = client
            .validate_url("config.url", Some(&url("ftp://example.com/")))
            .unwrap_err();
        assert_eq!(
            errors.0[0].message,
            "invalid URL: only http and https URLs are allowed"
        );
    }
}
