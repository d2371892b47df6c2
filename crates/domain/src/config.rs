//! An integration's configuration: plain values kept as JSON, secret values
//! held as `SecretString` from parsing to the one place that uses them.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

/// A secret config value. Strings are held as they are; structured secrets
/// (e.g. a map of auth headers) are held as their JSON text.
#[derive(Clone)]
pub struct SecretValue {
    inner: SecretString,
    is_json: bool,
}

impl SecretValue {
    /// Holds a JSON value as a secret: a string as it is, anything else as its
    /// JSON text.
    pub fn from_json(value: &Value) -> Self {
        match value {
            Value::String(s) => Self {
                inner: SecretString::from(s.clone()),
                is_json: false,
            },
            other => Self {
                inner: SecretString::from(other.to_string()),
                is_json: true,
            },
        }
    }

    /// The value as text. Call only where the secret is used.
    pub fn expose(&self) -> &str {
        self.inner.expose_secret()
    }

    /// The value as JSON (a string for string secrets).
    pub fn expose_json(&self) -> Value {
        if self.is_json {
            serde_json::from_str(self.inner.expose_secret()).unwrap_or(Value::Null)
        } else {
            Value::String(self.inner.expose_secret().to_owned())
        }
    }

    /// A hint safe to show: the last four characters of a long string secret,
    /// nothing for short or structured ones (four characters of a short secret
    /// give too much of it away).
    pub fn hint(&self) -> Option<String> {
        if self.is_json {
            return None;
        }
        let s = self.inner.expose_secret();
        let n = s.chars().count();
        if n < 16 {
            return None;
        }
        let tail: String = s.chars().skip(n - 4).collect();
        Some(format!("…{tail}"))
    }

    fn same_as(&self, other: &SecretValue) -> bool {
        self.is_json == other.is_json && self.expose() == other.expose()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One config value, plain or secret.
#[derive(Clone, Debug)]
pub enum ConfigValue {
    /// Kept as JSON, stored in clear and returned to clients.
    Plain(Value),
    /// Encrypted at rest, never returned.
    Secret(SecretValue),
}

/// Field name → value. Secret-ness comes from the catalogue when the config is
/// parsed; after that each value carries it.
#[derive(Clone, Default)]
pub struct Config {
    values: BTreeMap<String, ConfigValue>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            match v {
                ConfigValue::Plain(p) => m.entry(k, p),
                ConfigValue::Secret(_) => m.entry(k, &"[redacted]"),
            };
        }
        m.finish()
    }
}

impl Config {
    /// An empty config.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuild from the two halves as stored: plain JSON and decrypted secrets.
    pub fn from_parts(plain: Map<String, Value>, secrets: Map<String, Value>) -> Self {
        let mut values = BTreeMap::new();
        for (k, v) in plain {
            values.insert(k, ConfigValue::Plain(v));
        }
        for (k, v) in secrets {
            values.insert(k, ConfigValue::Secret(SecretValue::from_json(&v)));
        }
        Self { values }
    }

    /// Sets `key` to a plain value, replacing any value it had.
    pub fn insert_plain(&mut self, key: impl Into<String>, value: Value) {
        self.values.insert(key.into(), ConfigValue::Plain(value));
    }

    /// Sets `key` to a secret value, replacing any value it had.
    pub fn insert_secret(&mut self, key: impl Into<String>, value: SecretValue) {
        self.values.insert(key.into(), ConfigValue::Secret(value));
    }

    /// Removes `key`, answering the value it had.
    pub fn remove(&mut self, key: &str) -> Option<ConfigValue> {
        self.values.remove(key)
    }

    /// The value of `key`, plain or secret.
    pub fn get(&self, key: &str) -> Option<&ConfigValue> {
        self.values.get(key)
    }

    /// Whether `key` holds a value.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// Field names that hold a value, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Every field and its value, in field name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ConfigValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether no field holds a value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A plain value as a string, if it is one.
    pub fn plain_str(&self, key: &str) -> Option<&str> {
        match self.values.get(key) {
            Some(ConfigValue::Plain(Value::String(s))) => Some(s),
            _ => None,
        }
    }

    /// A plain value, if `key` holds one (`None` for a secret).
    pub fn plain(&self, key: &str) -> Option<&Value> {
        match self.values.get(key) {
            Some(ConfigValue::Plain(v)) => Some(v),
            _ => None,
        }
    }

    /// A secret value, if `key` holds one (`None` for a plain value).
    pub fn secret(&self, key: &str) -> Option<&SecretValue> {
        match self.values.get(key) {
            Some(ConfigValue::Secret(s)) => Some(s),
            _ => None,
        }
    }

    /// The non-secret half, safe to store in clear and to return to clients.
    pub fn plain_json(&self) -> Map<String, Value> {
        self.values
            .iter()
            .filter_map(|(k, v)| match v {
                ConfigValue::Plain(p) => Some((k.clone(), p.clone())),
                ConfigValue::Secret(_) => None,
            })
            .collect()
    }

    /// Names of the secret fields that hold a value.
    pub fn secret_names(&self) -> Vec<String> {
        self.values
            .iter()
            .filter(|(_, v)| matches!(v, ConfigValue::Secret(_)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Whether any field holds a secret.
    pub fn has_secrets(&self) -> bool {
        self.values
            .values()
            .any(|v| matches!(v, ConfigValue::Secret(_)))
    }

    /// The secret half in clear, for the storage layer to encrypt and for
    /// nothing else.
    pub fn expose_secrets_for_encryption(&self) -> Map<String, Value> {
        self.values
            .iter()
            .filter_map(|(k, v)| match v {
                ConfigValue::Secret(s) => Some((k.clone(), s.expose_json())),
                ConfigValue::Plain(_) => None,
            })
            .collect()
    }

    /// True when both hold the same secrets (names and values).
    pub fn same_secrets(&self, other: &Config) -> bool {
        let mine: Vec<_> = self
            .values
            .iter()
            .filter_map(|(k, v)| match v {
                ConfigValue::Secret(s) => Some((k, s)),
                _ => None,
            })
            .collect();
        let theirs: Vec<_> = other
            .values
            .iter()
            .filter_map(|(k, v)| match v {
                ConfigValue::Secret(s) => Some((k, s)),
                _ => None,
            })
            .collect();
        mine.len() == theirs.len()
            && mine
                .iter()
                .zip(theirs.iter())
                .all(|((ka, a), (kb, b))| ka == kb && a.same_as(b))
    }

    /// Field names whose value differs between the two configs (added, removed
    /// or changed), for audit records that must name fields but never values.
    pub fn changed_keys(&self, other: &Config) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for (k, v) in &self.values {
            let same = match (v, other.values.get(k)) {
                (ConfigValue::Plain(a), Some(ConfigValue::Plain(b))) => a == b,
                (ConfigValue::Secret(a), Some(ConfigValue::Secret(b))) => a.same_as(b),
                _ => false,
            };
            if !same {
                keys.push(k.clone());
            }
        }
        for k in other.values.keys() {
            if !self.values.contains_key(k) {
                keys.push(k.clone());
            }
        }
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_never_shows_secrets() {
        let mut c = Config::new();
        c.insert_plain("username", json!("bot"));
        c.insert_secret(
            "webhookUrl",
            SecretValue::from_json(&json!("https://x/CANARY-123")),
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("bot"));
        assert!(!shown.contains("CANARY"));
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn hints_only_long_string_secrets() {
        assert_eq!(
            SecretValue::from_json(&json!("SG.aaaaaaaaaaaaaaaaaaaaWXYZ"))
                .hint()
                .as_deref(),
            Some("…WXYZ")
        );
        assert_eq!(SecretValue::from_json(&json!("short-secret")).hint(), None);
        assert_eq!(
            SecretValue::from_json(&json!({"Authorization": "Bearer abcdefghijklmnop"})).hint(),
            None
        );
    }

    #[test]
    fn structured_secret_round_trips() {
        let v = json!({"Authorization": "Bearer x"});
        assert_eq!(SecretValue::from_json(&v).expose_json(), v);
    }

    #[test]
    fn parts_round_trip_and_changed_keys() {
        let a = Config::from_parts(
            json!({"channel": "C1"}).as_object().unwrap().clone(),
            json!({"botToken": "xoxb-1"}).as_object().unwrap().clone(),
        );
        assert_eq!(
            a.plain_json(),
            *json!({"channel": "C1"}).as_object().unwrap()
        );
        assert_eq!(
            a.expose_secrets_for_encryption(),
            *json!({"botToken": "xoxb-1"}).as_object().unwrap()
        );
        let mut b = a.clone();
        assert!(a.changed_keys(&b).is_empty());
        assert!(a.same_secrets(&b));
        b.insert_secret("botToken", SecretValue::from_json(&json!("xoxb-2")));
        b.remove("channel");
        assert_eq!(
            a.changed_keys(&b),
            vec!["botToken".to_string(), "channel".to_string()]
        );
        assert!(!a.same_secrets(&b));
    }
}
