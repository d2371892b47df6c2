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
//!
//! Nothing here logs or returns a URL, a header value or a remote body: logs
//! carry a static label, the method and the host only.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cidr;
mod client;
mod error;
mod guard;
mod resolver;
mod retry;

pub use cidr::{CidrParseError, IpCidr};
pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT, OutboundClient,
    OutboundConfig, OutboundRequest, OutboundResponse,
};
pub use error::OutboundError;
pub use guard::{AddressPolicy, embedded_ipv4, forbidden_reason};
pub use resolver::{BoxFuture, GuardedResolver, Lookup, ResolveRefusal, SystemLookup};
pub use retry::{
    MAX_RETRY_AFTER, StatusClass, classify_status, parse_retry_after, retry_after_from_secs_f64,
    status_text,
};

/// Re-exported so providers need no direct `reqwest` dependency.
pub use reqwest::Method;
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use url::Url;
