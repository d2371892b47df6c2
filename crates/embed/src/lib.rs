//! Patchbay inside another Rust service: one builder opens the database
//! (SQLite or Postgres), runs its migrations, checks the keyring, registers
//! the providers (the built-in ones and the service's own types) and
//! returns a [`Patchbay`] handle with the use cases, scoped by organization
//! ([`Tenant`]), the delivery workers and, with the `http` feature (on by
//! default), the HTTP API to mount in the service's actix-web app.
//!
//! The standalone `patchbay` binary is built on this same builder.
//!
//! ```
//! use patchbay_embed::{Keyring, Patchbay};
//! use patchbay_embed::domain::service::CreateIntegration;
//! use patchbay_embed::domain::IntegrationType;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let url = format!("sqlite://{}/patchbay.sqlite3", dir.path().display());
//! // An obviously fake key: generate yours with `patchbay keys generate`.
//! let keyring = Keyring::parse("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None)?;
//! let patchbay = Patchbay::builder()
//!     .database_url(url)
//!     .keyring(keyring)
//!     .build()
//!     .await?;
//! let acme = patchbay.organization("acme").await?;
//! let created = acme
//!     .create(CreateIntegration {
//!         name: "Alerts".into(),
//!         kind: IntegrationType::Webhook,
//!         config: serde_json::json!({"url": "https://hooks.example.com/in"})
//!             .as_object()
//!             .cloned()
//!             .unwrap_or_default(),
//!         environment: None,
//!         status: None,
//!         is_managed: false,
//!     })
//!     .await?;
//! assert_eq!(acme.get(&created.id).await?.name, "Alerts");
//! patchbay.start_workers();
//! patchbay.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! What the embedding service owns: the tokio runtime (the builder and the
//! workers run on it), the process's signals (call [`Patchbay::shutdown`]
//! when stopping), its HTTP server and its authentication (see
//! [`Patchbay::mount`]), and the keyring's storage.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use patchbay_delivery::{RELEASE_ALLOWANCE, Worker, WorkerControl};
use patchbay_domain::bulk::BulkService;
use patchbay_domain::delivery::{DeliveryMetrics, DeliveryService};
use patchbay_domain::group::GroupService;
use patchbay_domain::{DomainError, IntegrationService, OrgId, TenantStore};
use patchbay_storage::SqlStore;

mod builder;
mod error;
#[cfg(feature = "http")]
mod http;
mod tenant;

pub use builder::{
    DatabaseOptions, DeliveryOptions, PatchbayBuilder, ProviderEndpoints, open_store,
};
pub use error::EmbedError;
#[cfg(feature = "http")]
pub use http::HttpMount;
pub use tenant::Tenant;

#[cfg(feature = "http")]
pub use patchbay_api as api;
/// The crates an embedding service uses through this one, re-exported so
/// their versions always match.
pub use patchbay_delivery as delivery;
pub use patchbay_domain as domain;
pub use patchbay_provider_kit as provider_kit;
pub use patchbay_storage as storage;

pub use patchbay_provider_kit::{IpCidr, OutboundClient, OutboundConfig};
pub use patchbay_storage::crypto::Keyring;

/// A running Patchbay: the store, the use cases and the delivery workers.
/// Cheap to clone (every clone is the same instance).
#[derive(Clone)]
pub struct Patchbay {
    pub(crate) store: Arc<SqlStore>,
    pub(crate) integrations: IntegrationService,
    pub(crate) deliveries: DeliveryService,
    pub(crate) groups: GroupService,
    pub(crate) bulk: BulkService,
    pub(crate) metrics: Arc<DeliveryMetrics>,
    pub(crate) worker: Option<Worker>,
    pub(crate) started: Arc<AtomicBool>,
    pub(crate) shutdown_grace: Duration,
}

impl Patchbay {
    /// Start here.
    pub fn builder() -> PatchbayBuilder {
        PatchbayBuilder::default()
    }

    /// The organization named `name`, created on first use, and its use
    /// cases.
    pub async fn organization(&self, name: &str) -> Result<Tenant, DomainError> {
        let org = self.store.ensure_organization(name).await?;
        Ok(self.tenant(org.id))
    }

    /// The use cases of the organization with this id (nothing is checked:
    /// an unknown id simply has no integrations).
    pub fn tenant(&self, org: OrgId) -> Tenant {
        Tenant::new(self.clone(), org)
    }

    /// The integration use cases, for every organization (each call names
    /// its organization).
    pub fn integrations(&self) -> &IntegrationService {
        &self.integrations
    }

    /// The delivery use cases, for every organization.
    pub fn deliveries(&self) -> &DeliveryService {
        &self.deliveries
    }

    /// The integration group use cases, for every organization.
    pub fn groups(&self) -> &GroupService {
        &self.groups
    }

    /// Bulk sends (many messages, to integrations or groups, in one
    /// transaction), for every organization.
    pub fn bulk(&self) -> &BulkService {
        &self.bulk
    }

    /// The SQL store (integrations, organizations and API keys, deliveries,
    /// the audit trail).
    pub fn store(&self) -> &Arc<SqlStore> {
        &self.store
    }

    /// The delivery workers' counters (Prometheus text with
    /// `DeliveryMetrics::render`).
    pub fn metrics(&self) -> &Arc<DeliveryMetrics> {
        &self.metrics
    }

    /// Start the delivery workers on the current tokio runtime: they claim
    /// due deliveries, send them, retry by the policy and re-test active
    /// integrations. Answers `false` when they were started before or are
    /// turned off ([`DeliveryOptions::workers`]).
    pub fn start_workers(&self) -> bool {
        let Some(worker) = &self.worker else {
            return false;
        };
        if self.started.swap(true, Ordering::SeqCst) {
            return false;
        }
        drop(worker.clone().start());
        true
    }

    /// A handle that stops the workers, for a service that runs its own
    /// shutdown sequence; `None` when workers are turned off.
    pub fn worker_control(&self) -> Option<WorkerControl> {
        self.worker.as_ref().map(Worker::control)
    }

    /// The longest [`Patchbay::shutdown`] takes.
    pub fn shutdown_bound(&self) -> Duration {
        self.shutdown_grace + RELEASE_ALLOWANCE
    }

    /// Stop the workers: no new claim, in-flight attempts finish within
    /// the grace period, claims still held are given back for another
    /// process to take. Returns within [`Patchbay::shutdown_bound`]; `false`
    /// when that bound ran out first.
    pub async fn shutdown(&self) -> bool {
        let Some(control) = self.worker_control() else {
            return true;
        };
        control.request_stop();
        if !self.started.load(Ordering::SeqCst) {
            return true;
        }
        tokio::time::timeout(self.shutdown_bound(), control.shutdown())
            .await
            .is_ok()
    }
}

/// `docs/embedding.md`, compiled with the doctests so that the programs it
/// shows cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
pub struct EmbeddingGuide;
