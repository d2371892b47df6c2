//! Patchbay storage: the domain's `IntegrationStore` and `TenantStore` over
//! Postgres or SQLite through one diesel code path, embedded migrations, and
//! encryption at rest (the database never sees a plaintext secret).
//!
//! Diesel is synchronous; the async store methods run their queries on
//! tokio's blocking pool so they never stall the reactor.

#![warn(missing_docs)]

mod audit;
mod backend;
mod bulk;
mod catalogue_check;
mod coalesce;
mod connection;
mod convert;
pub mod crypto;
mod db;
mod deliveries;
mod error;
mod groups;
mod idempotency;
mod integrations;
mod listen;
mod migrations;
mod outbox;
mod pg_queue;
mod reads;
mod rotation;
mod rows;
mod schema;
mod store;
mod tenants;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod time;

pub use catalogue_check::UnknownType;
pub use connection::{DbConnection, MultiBackend, establish};
pub use db::{Backend, DEFAULT_CHECKOUT_TIMEOUT, Database};
pub use error::StorageError;
pub use listen::WakeListener;
pub use store::SqlStore;
