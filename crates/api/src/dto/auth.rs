//! `/api/me`: the presented API key, as a client may know it.

use patchbay_domain::auth::Scope;
use serde::Serialize;
use utoipa::ToSchema;

/// A scope of an API key; `admin` grants every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiScope {
    /// `GET` operations.
    Read,
    /// Create, update and delete integrations and groups.
    Write,
    /// Test credentials and send messages.
    Test,
    /// The audit trail; grants every other scope too.
    Admin,
}

impl From<Scope> for ApiScope {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Read => Self::Read,
            Scope::Write => Self::Write,
            Scope::Test => Self::Test,
            Scope::Admin => Self::Admin,
        }
    }
}

/// An organization, by id and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationRef {
    /// `org_…`
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The API key a request presented (never the key itself), or the caller
/// a service embedding Patchbay authenticated itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrentKey {
    /// The key's id (`key_…`); `null` for a caller the embedding service
    /// authenticated (see `actor`).
    #[schema(required = true, example = "key_01jf8k2m3n4p5q6r7s8t9v0w1x")]
    pub key_id: Option<String>,
    /// Who the audit trail records for this caller's changes: the key's id,
    /// or `host:<subject>`.
    pub actor: String,
    /// The organization the caller acts for.
    pub organization: OrganizationRef,
    /// The scopes granted to the key, as created; `admin` implies the others.
    pub scopes: Vec<ApiScope>,
}
