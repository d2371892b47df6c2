//! End-to-end tests: the real app on a free port over a fresh database, each
//! test run on SQLite and on Postgres (`<test>::sqlite`, `<test>::postgres`;
//! see `on_both_backends!`). One test binary, so it links once.
//!
//! These tests own what needs the real stack: both databases, encryption at
//! rest, the delivery workers, provisioning, concurrency across connections
//! and start-up. The HTTP contract on its own (status codes, problem shapes,
//! auth) is the api crate's tests' (`crates/api/tests`, in-memory fakes).
//!
//! Every request goes through a helper per route in `helpers`:
//! `app.admin().create_integration(&body).await.ok(201)`.

#![allow(clippy::unwrap_used)]

mod helpers;

// The `/api/integrations` routes: the contract's example, updates,
// `If-Match`, lists, filters and pages.
mod integrations;
mod lists;

// Who may do what: credentials, scopes, organizations.
mod auth;
mod tenancy;

// Secrets: never answered or logged, sealed at rest, keys rotated.
mod key_rotation;
mod secrets;

// Refused requests: invalid bodies, bodies over the limit, requests the
// HTTP layer cannot read.
mod errors;
mod http_layer;

// The database going away under the running service, and coming back.
mod outage;

// The `/integrations` routes (integer type ids, snake_case `data`).
mod type_id_api;
mod type_id_updates;

// Credential tests against every provider.
mod providers;

// Sending: delivery per type, retries, health, idempotency, pacing.
mod delivery;
mod health;
mod idempotency;
mod pacing;
mod retries;

// Operator provisioning and the audit trail.
mod audit;
mod provisioning;
