//! Organizations, API keys and scopes. Keys are 256-bit random strings with a
//! recognisable prefix; only their SHA-256 is stored. A fast hash is right
//! here: the key is random, so there is nothing to brute-force, and a slow
//! hash per request would cost the service its throughput.

use std::fmt;

use base64::Engine;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{ApiKeyId, OrgId};

/// What every API key starts with, so a leaked key is recognisable.
pub const API_KEY_PREFIX: &str = "pbk_";

/// A tenant: it owns integrations, groups, deliveries and API keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its id, `org_` prefixed.
    pub id: OrgId,
    /// Its name, unique among organizations.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A permission an API key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read anything of the organization (`GET` operations).
    Read,
    /// Create, update and delete integrations and groups.
    Write,
    /// Test credentials and send messages (sends and retries).
    Test,
    /// Administration (the audit trail); grants every other scope too.
    Admin,
}

impl Scope {
    /// Every scope, in order.
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Test, Scope::Admin];

    /// As stored and shown: `read`, `write`, `test` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Test => "test",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A set of scopes; `admin` grants every scope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Sorted and without duplicates.
    pub fn new(mut scopes: Vec<Scope>) -> Self {
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    /// Every scope.
    pub fn all() -> Self {
        Self::new(Scope::ALL.to_vec())
    }

    /// Whether this set grants `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.0.contains(&scope) || self.0.contains(&Scope::Admin)
    }

    /// The scopes held, sorted.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Comma-separated, as stored.
    pub fn to_csv(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses a comma-separated list (spaces around names allowed); an unknown
    /// name or an empty list is an error saying so.
    pub fn parse_csv(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(
                Scope::parse(part)
                    .ok_or_else(|| format!("unknown scope `{part}` (read, write, test, admin)"))?,
            );
        }
        if out.is_empty() {
            return Err("at least one scope is required".into());
        }
        Ok(Self::new(out))
    }
}

/// An API key as stored: everything but the key and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Its id, `key_` prefixed.
    pub id: ApiKeyId,
    /// The organization the key acts for.
    pub org_id: OrgId,
    /// A label for people, as given at creation.
    pub name: String,
    /// The first characters of the key, to recognise it in listings.
    pub display_prefix: String,
    /// What the key may do.
    pub scopes: Scopes,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; `None` while the key works.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A freshly made key: shown once, then only its hash is kept.
pub struct NewApiKey {
    /// The key itself, to hand to the caller once.
    pub plaintext: SecretString,
    /// [`hash_api_key`] of the key: the only form that is stored.
    pub hash: String,
    /// The first characters of the key, to recognise it in listings.
    pub display_prefix: String,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("display_prefix", &self.display_prefix)
            .finish_non_exhaustive()
    }
}

impl NewApiKey {
    /// A new random key: the prefix and 32 random bytes, base64url.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let key = format!(
            "{API_KEY_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let hash = hash_api_key(&key);
        let display_prefix = key.chars().take(API_KEY_PREFIX.len() + 6).collect();
        Self {
            plaintext: SecretString::from(key),
            hash,
            display_prefix,
        }
    }
}

/// SHA-256 of the presented key, hex-encoded.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Cheap shape check before any lookup, so junk never reaches the database.
pub fn looks_like_api_key(key: &str) -> bool {
    key.len() == API_KEY_PREFIX.len() + 43
        && key.starts_with(API_KEY_PREFIX)
        && key[API_KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn keys_are_random_prefixed_and_hashed() {
        let a = NewApiKey::generate();
        let b = NewApiKey::generate();
        assert_ne!(a.plaintext.expose_secret(), b.plaintext.expose_secret());
        assert!(looks_like_api_key(a.plaintext.expose_secret()));
        assert_eq!(a.hash, hash_api_key(a.plaintext.expose_secret()));
        assert_eq!(a.hash.len(), 64);
        assert!(a.plaintext.expose_secret().starts_with(&a.display_prefix));
        assert!(!format!("{a:?}").contains(a.plaintext.expose_secret()));
        assert!(!looks_like_api_key("pbk_short"));
    }

    #[test]
    fn admin_grants_all_scopes() {
        let s = Scopes::parse_csv("admin").unwrap();
        assert!(Scope::ALL.iter().all(|x| s.allows(*x)));
        let r = Scopes::parse_csv("read, test").unwrap();
        assert!(r.allows(Scope::Read) && r.allows(Scope::Test) && !r.allows(Scope::Write));
        assert_eq!(r.to_csv(), "read,test");
        assert!(Scopes::parse_csv("read,root").is_err());
        assert!(Scopes::parse_csv("").is_err());
    }
}
