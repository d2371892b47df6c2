//! Setting values whose errors speak the operator's terms: a bad choice
//! lists the accepted values, a bad port gives the valid range, a database
//! URL names the accepted forms. (The configuration library's own messages
//! name Rust types and variants instead.)

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// `value` as one of `accepted` (name, value), or a message listing them.
fn choose<T: Copy>(value: &str, accepted: &[(&str, T)]) -> Result<T, String> {
    accepted
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = accepted.iter().map(|(name, _)| *name).collect();
            let shown: String = value.chars().take(40).collect();
            format!(
                "`{shown}` is not an accepted value (accepted: {})",
                names.join(", ")
            )
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum RunEnvironment {
    Development,
    Production,
}

impl TryFrom<String> for RunEnvironment {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        choose(
            &value,
            &[
                ("development", Self::Development),
                ("production", Self::Production),
            ],
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum LogFormat {
    Human,
    Json,
}

impl TryFrom<String> for LogFormat {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        choose(&value, &[("human", Self::Human), ("json", Self::Json)])
    }
}

const PORT_RANGE: &str = "a valid port (0 to 65535; 0 picks a free one)";

/// A TCP port, from a number or a string of digits (environment variables).
pub fn port<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    struct Port;

    impl Visitor<'_> for Port {
        type Value = u16;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(PORT_RANGE)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u16, E> {
            u16::try_from(v).map_err(|_| E::custom(format!("{v} is not {PORT_RANGE}")))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u16, E> {
            u16::try_from(v).map_err(|_| E::custom(format!("{v} is not {PORT_RANGE}")))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<u16, E> {
            v.trim().parse::<u16>().map_err(|_| {
                let shown: String = v.chars().take(40).collect();
                E::custom(format!("`{shown}` is not {PORT_RANGE}"))
            })
        }
    }

    d.deserialize_any(Port)
}

/// The database URL forms Patchbay accepts, for error messages.
pub const DATABASE_URL_FORMS: &str = "sqlite://PATH (e.g. sqlite://./data/patchbay.sqlite3) or postgres://USER:PASSWORD@HOST:PORT/DATABASE";

/// Refuses a database URL without a scheme (a path, or `host/db`, would
/// otherwise be taken for an SQLite file). Never echoes the URL: it may
/// hold a password.
pub fn check_database_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    let accepted = ["sqlite:", "postgres://", "postgresql://"];
    if accepted.iter().any(|prefix| url.starts_with(prefix)) {
        return Ok(());
    }
    let what = match url.split_once("://") {
        Some((scheme, _)) if !scheme.is_empty() => {
            let scheme: String = scheme.chars().take(20).collect();
            format!("has the unsupported scheme `{scheme}`")
        }
        _ if url.is_empty() => "is empty".to_string(),
        _ => "has no scheme".to_string(),
    };
    Err(format!("database.url {what}: use {DATABASE_URL_FORMS}"))
}

/// The SQLite file a (checked) database URL names, if it names one.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let url = url.trim();
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    (!path.is_empty()).then(|| path.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_need_a_scheme() {
        for ok in [
            "sqlite://./data/p.db",
            "sqlite:p.db",
            "postgres://u@h/db",
            "postgresql://u@h/db",
        ] {
            assert!(check_database_url(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("./data/p.db", "has no scheme"),
            ("localhost:5432/db", "has no scheme"),
            ("", "is empty"),
            ("mysql://root:hunter2@h/db", "unsupported scheme `mysql`"),
        ] {
            let err = check_database_url(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(
                err.contains("sqlite://") && err.contains("postgres://"),
                "{err}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://./data/p.db"),
            Some("./data/p.db".into())
        );
        assert_eq!(sqlite_path("sqlite:p.db"), Some("p.db".into()));
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
