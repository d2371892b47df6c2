//! End-to-end tests: the real app on port 0, a fresh database per test, each
//! test run on SQLite and on Postgres. One test binary, so it links once.

#![allow(clippy::unwrap_used)]

mod helpers;

mod api;
mod audit;
mod delivery;
mod foundation;
mod providers;
mod provisioning;
mod seed;
mod typed;
