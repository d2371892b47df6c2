//! The one guarded outbound HTTP client every Patchbay provider uses, and
//! the helpers every provider needs around it.
//!
//! - [`OutboundClient`]: resolves names itself ([`GuardedResolver`]), refuses
//!   any name with a forbidden address and connects only to the vetted
//!   addresses (no second lookup: DNS rebinding); judges IP literals after
//!   URL parsing; follows no redirects (a 3xx is [`OutboundError::Redirect`]);
//!   ignores proxy environment variables; allows only http/https; caps
//!   response bodies; times out (connect 5 s, total 15 s by default).
//! - [`forbidden_reason`]: which addresses are refused and why.
//! - [`parse_retry_after`], [`classify_status`]: shared retry semantics.
//! - What every provider family does the same way on top of the client:
//!   reading config fields ([`config_text`]), judging a configured URL in
//!   `Provider::validate` ([`OutboundClient::validate_url`]), building
//!   endpoint URLs ([`join_path`]), reading JSON answers ([`JsonAnswer`]),
//!   and turning a failure to get an answer into a test or send outcome
//!   ([`OutboundError::send_outcome`], worded by [`Remote`]).
//!
//! Nothing here logs or returns a URL, a header value or a remote body: logs
//! carry a static label, the method and the host only.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod api;
mod cidr;
mod client;
mod config;
mod error;
mod guard;
mod outcome;
mod resolver;
mod retry;
#[cfg(feature = "testing")]
pub mod testing;

pub use api::{JsonAnswer, join_path, safe_code};
pub use cidr::{CidrParseError, IpCidr};
pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT, OutboundClient,
    OutboundConfig, OutboundRequest, OutboundResponse,
};
pub use config::{config_json, config_text, config_url};
pub use error::OutboundError;
pub use guard::{AddressPolicy, embedded_ipv4, forbidden_reason};
pub use outcome::{Remote, describe_timeout, refuse};
pub use resolver::{BoxFuture, GuardedResolver, Lookup, ResolveRefusal, SystemLookup};
pub use retry::{
    MAX_RETRY_AFTER, StatusClass, classify_status, parse_retry_after, retry_after_from_secs_f64,
    status_text,
};

/// Re-exported so providers need no direct `reqwest` dependency.
pub use reqwest::Method;
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use url::Url;
