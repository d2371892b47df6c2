//! Patchbay's domain: the integration model, the type catalogue and its
//! validation, the `Provider` and store traits, and the use cases.
//!
//! This crate knows no database, HTTP framework or HTTP client (CI checks
//! its dependency tree), so a Rust service can embed Patchbay with any
//! storage and transport.
//!
//! Error layering: validation problems are `ValidationErrors` (every field,
//! with its path); use cases answer `DomainError`; storage answers
//! `StoreError`, which the API reports as an opaque 500 and logs.

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod catalogue;
pub mod config;
pub mod delivery;
pub mod error;
pub mod field_rules;
pub mod group;
pub mod health;
pub mod ids;
pub mod model;
pub mod names;
pub mod provider;
pub mod provisioning;
pub mod service;
pub mod store;
pub mod validation;

pub use catalogue::{IntegrationType, TypeSpec};
pub use config::{Config, ConfigValue, SecretValue};
pub use error::{DomainError, StoreError};
pub use health::TestResult;
pub use ids::{ApiKeyId, GroupId, GroupSendId, IntegrationId, OrgId};
pub use model::{Actor, Environment, Integration, Status};
pub use provider::{
    Message, PermanentKind, Provider, ProviderContext, ProviderRegistry, SendOutcome, TestOutcome,
    TestStatus,
};
pub use service::IntegrationService;
pub use store::{IntegrationStore, ListQuery, TenantStore, WriteOutcome};
