//! End-to-end tests: the real app on a free port over a fresh database, each
//! test run on SQLite and on Postgres (`<test>::sqlite`, `<test>::postgres`;
//! see `on_both_backends!`). One test binary, so it links once.
//!
//! These tests own what needs the real stack: both databases, encryption at
//! rest, the delivery workers, provisioning, concurrency across connections
//! and start-up, the same row through both APIs. The HTTP contract on its
//! own (statuses, problem shapes and wording, auth challenges and scopes,
//! 422 field paths, ETags, both APIs' shapes) is the api crate's tests'
//! (`crates/api/tests/http`, in-memory fakes).
//!
//! Every request goes through a helper per route in `helpers`:
//! `app.admin().create_integration(&body).await.ok(201)`.

#![allow(clippy::unwrap_used)]

mod helpers;

// The `/api/integrations` routes: rows read back as answered, `If-Match`,
// concurrent updates, lists, filters and pages.
mod integrations;
mod lists;

// Organizations, and the settings that reach the server (body limit, key
// cache).
mod settings;
mod strict_input;
mod tenancy;

// Secrets: never answered or logged, sealed at rest, keys rotated.
mod key_rotation;
mod secrets;

// Requests the HTTP layer cannot read, answered as problems.
mod http_layer;

// The database going away under the running service, and coming back.
mod outage;

// The `/integrations` routes (integer type ids, snake_case `data`) over the
// same rows as `/api/integrations`.
mod type_id_api;

// Credential tests against every provider.
mod providers;

// Sending: delivery per type, retries, health, idempotency, pacing.
mod delivery;
mod health;
mod idempotency;
mod pacing;
mod retries;

// Integration groups: the resource, and sending to one by failover or
// broadcast (their HTTP contract is tested here too, as it needs the
// store's groups and the workers' hand-offs).
mod group_sends;
mod groups;

// Many messages in one request, to integrations and groups.
mod bulk;

// What operators watch: the metrics.
mod metrics;

// Operator provisioning and the audit trail.
mod audit;
mod provisioning;
