//! The HTTP contract of the API, driven through the real app (middleware
//! included) over in-memory stores: one module per behaviour. One binary, so
//! the app and its dependencies are linked once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod auth_limits;
mod catalogue;
mod concurrency;
mod console;
mod contract_examples;
mod cors;
mod errors;
mod integer_id_api;
mod listing;
mod managed;
mod openapi;
mod public;
mod request_ids;
mod secrets;
mod tenancy;
mod testing;
mod validation;
