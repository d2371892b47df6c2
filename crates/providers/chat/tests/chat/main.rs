//! The chat providers against wiremock servers: the exact requests of test
//! and send, the mapping of every documented answer, and that no secret (a
//! webhook URL, a token) reaches an outcome or a log line.

#![allow(clippy::unwrap_used)]

mod discord;
mod logs;
mod slack;
mod support;
mod telegram;
