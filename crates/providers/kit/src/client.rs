//! The one outbound HTTP client.

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, redirect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::cidr::IpCidr;
use crate::error::OutboundError;
use crate::guard::AddressPolicy;
use crate::resolver::{GuardedResolver, Lookup, ResolveFailed, ResolvedToForbidden, SystemLookup};
use crate::retry::parse_retry_after;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout for a whole request, body included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on a response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

const USER_AGENT: &str = concat!("Patchbay/", env!("CARGO_PKG_VERSION"));
const LOG_TARGET: &str = "patchbay::outbound";

/// Settings of the outbound client (`outbound.*` in the binary's config).
///
/// Deserialises from `{"allow_private_networks": ["127.0.0.0/8"],
/// "connect_timeout_ms": 5000, "total_timeout_ms": 15000,
/// "max_response_bytes": 1048576}`, every key optional, unknown keys refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Private networks that may be called despite the SSRF guard (tests,
    /// on-premises endpoints). Empty by default.
    pub allow_private_networks: Vec<IpCidr>,
    /// Time allowed to establish a connection (TCP and TLS). In config
    /// files: `connect_timeout_ms`.
    #[serde(rename = "connect_timeout_ms", with = "duration_ms")]
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, reading the body included. In
    /// config files: `total_timeout_ms`.
    #[serde(rename = "total_timeout_ms", with = "duration_ms")]
    pub total_timeout: Duration,
    /// Largest response body read; a larger one fails with `TooLarge`.
    pub max_response_bytes: usize,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            allow_private_networks: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// Durations as integer milliseconds in configuration files.
mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// A request body.
#[derive(Clone)]
enum Body {
    Bytes { bytes: Bytes, content_type: String },
    Invalid(&'static str),
}

/// One outbound request. Build it, then hand it to [`OutboundClient::send`].
///
/// Logs show the `log_target` label, the method and the host, never the URL
/// (webhook URLs and Telegram's `/bot<token>/` path are secrets) nor header
/// values.
#[derive(Clone)]
pub struct OutboundRequest {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Body>,
    timeout: Option<Duration>,
    log_target: &'static str,
    invalid: Option<&'static str>,
}

impl std::fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("log_target", &self.log_target)
            .field("method", &self.method)
            .field("host", &self.url.host_str())
            .finish_non_exhaustive()
    }
}

impl OutboundRequest {
    /// A request with no headers or body, under the client's timeouts, logged
    /// as `outbound`.
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            log_target: "outbound",
            invalid: None,
        }
    }

    /// A `GET` request (see [`Self::new`]).
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A `POST` request (see [`Self::new`]).
    pub fn post(url: Url) -> Self {
        Self::new(Method::POST, url)
    }

    /// A short static label for logs (`"webhook.send"`, `"telegram.getMe"`).
    pub fn log_target(mut self, label: &'static str) -> Self {
        self.log_target = label;
        self
    }

    fn put_header(mut self, name: &str, value: &str, sensitive: bool) -> Self {
        let name = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(n) => n,
            Err(_) => {
                self.invalid.get_or_insert("a header name is not valid");
                return self;
            }
        };
        match HeaderValue::from_str(value) {
            Ok(mut v) => {
                v.set_sensitive(sensitive);
                self.headers.insert(name, v);
            }
            Err(_) => {
                self.invalid.get_or_insert("a header value is not valid");
            }
        }
        self
    }

    /// Set a header (replacing one of the same name). An invalid name or
    /// value makes [`OutboundClient::send`] fail with `InvalidRequest`.
    pub fn header(self, name: &str, value: &str) -> Self {
        self.put_header(name, value, false)
    }

    /// Set a header that carries a credential: marked sensitive, never
    /// logged or shown by `Debug`.
    pub fn secret_header(self, name: &str, value: &str) -> Self {
        self.put_header(name, value, true)
    }

    /// `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer_auth(self, token: &str) -> Self {
        self.secret_header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.body = Some(match serde_json::to_vec(value) {
            Ok(bytes) => Body::Bytes {
                bytes: bytes.into(),
                content_type: "application/json".into(),
            },
            Err(_) => Body::Invalid("the JSON body could not be serialised"),
        });
        self
    }

    /// A raw body with its content type; use when the exact bytes matter
    /// (e.g. a signed payload).
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = Some(Body::Bytes {
            bytes: bytes.into(),
            content_type: content_type.to_string(),
        });
        self
    }

    /// Overrides the client's total timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's URL. Never log it: it may hold a secret.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// A response whose status was not 3xx, with its body read (within the cap).
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as read (never more than the configured cap).
    pub body: Bytes,
}

impl OutboundResponse {
    /// The body as JSON. The error never holds the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, OutboundError> {
        serde_json::from_slice(&self.body).map_err(|_| OutboundError::Decode)
    }

    /// The body as text, invalid UTF-8 replaced. For matching a provider's
    /// stable error codes, never for echoing to a client.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `Retry-After` header's hint, if it has a valid one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_at(SystemTime::now())
    }

    /// As [`Self::retry_after`], with the current time given.
    pub fn retry_after_at(&self, now: SystemTime) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, now))
    }
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The guarded outbound HTTP client. Cheap to clone (one shared pool).
#[derive(Clone)]
pub struct OutboundClient {
    inner: reqwest::Client,
    policy: Arc<AddressPolicy>,
    config: Arc<OutboundConfig>,
}

impl std::fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OutboundClient {
    /// A client resolving names through the system resolver.
    pub fn new(config: OutboundConfig) -> Result<Self, OutboundError> {
        Self::with_lookup(config, Arc::new(SystemLookup))
    }

    /// A client resolving names through `lookup` (tests script DNS answers
    /// with this; every answer is still vetted).
    pub fn with_lookup(
        config: OutboundConfig,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Self, OutboundError> {
        let policy = Arc::new(AddressPolicy::new(config.allow_private_networks.clone()));
        let resolver = GuardedResolver::new(policy.clone(), lookup);
        let inner = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver))
            .redirect(redirect::Policy::none())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|_| OutboundError::Setup {
                message: "the TLS backend could not be initialised".into(),
            })?;
        Ok(Self {
            inner,
            policy,
            config: Arc::new(config),
        })
    }

    /// The settings it was built with.
    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// Scheme (http/https) and literal-host check, without any network
    /// access: providers call this at validation time to refuse a URL whose
    /// host is a forbidden IP literal (in any spelling `url` normalises) or
    /// a `localhost` name.
    pub fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        self.policy.check_url(url)
    }

    /// Send a request through the guard. `Ok` for any non-3xx status (the
    /// caller judges 4xx/5xx, see [`crate::classify_status`]); a 3xx is
    /// `Err(Redirect)`.
    pub async fn send(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let started = Instant::now();
        let label = req.log_target;
        let method = req.method.clone();
        let host = req.url.host_str().unwrap_or_default().to_string();
        let total = req.timeout.unwrap_or(self.config.total_timeout);
        let result = match tokio::time::timeout(total, self.execute(req, total)).await {
            Ok(r) => r,
            Err(_) => Err(OutboundError::Timeout),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(resp) => tracing::debug!(
                target: LOG_TARGET,
                op = label,
                %method,
                %host,
                status = resp.status,
                elapsed_ms,
                "outbound request"
            ),
            Err(e) => tracing::info!(
                target: LOG_TARGET,
                op = label,
                %method,
                %host,
                error = %e,
                elapsed_ms,
                "outbound request failed"
            ),
        }
        result
    }

    /// As [`Self::send`], but an answer whose body is over the cap is still
    /// an answer: its status, with no headers or body. Providers judge most
    /// answers by status, and the remote did answer.
    pub async fn exchange(&self, req: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        match self.send(req).await {
            Err(OutboundError::TooLarge { status, .. }) => Ok(OutboundResponse {
                status,
                headers: HeaderMap::new(),
                body: Bytes::new(),
            }),
            other => other,
        }
    }

    async fn execute(
        &self,
        req: OutboundRequest,
        total: Duration,
    ) -> Result<OutboundResponse, OutboundError> {
        if let Some(reason) = req.invalid {
            return Err(OutboundError::InvalidRequest { reason });
        }
        // IP literals never reach the resolver: judge them here.
        self.policy.check_url(&req.url)?;
        let mut builder = self
            .inner
            .request(req.method, req.url)
            .headers(req.headers)
            .timeout(total);
        match req.body {
            Some(Body::Bytes {
                bytes,
                content_type,
            }) => {
                builder = builder.header(CONTENT_TYPE, content_type).body(bytes);
            }
            Some(Body::Invalid(reason)) => return Err(OutboundError::InvalidRequest { reason }),
            None => {}
        }
        let mut resp = builder.send().await.map_err(map_reqwest_error)?;
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            return Err(OutboundError::Redirect { status });
        }
        let limit = self.config.max_response_bytes;
        let too_large = OutboundError::TooLarge { status, limit };
        let declared = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large);
        }
        let headers = std::mem::take(resp.headers_mut());
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(map_reqwest_error)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(OutboundResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

fn sources<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

/// Turn a reqwest error into ours, keeping only what is safe to show:
/// reqwest's own messages name the URL.
fn map_reqwest_error(e: reqwest::Error) -> OutboundError {
    for cause in sources(&e) {
        if let Some(f) = cause.downcast_ref::<ResolvedToForbidden>() {
            return OutboundError::Blocked { reason: f.reason };
        }
        if cause.downcast_ref::<ResolveFailed>().is_some() {
            return OutboundError::Connect {
                message: "the host name could not be resolved".into(),
            };
        }
    }
    if e.is_timeout() {
        return OutboundError::Timeout;
    }
    let io_kind = sources(&e).find_map(|c| c.downcast_ref::<io::Error>().map(io::Error::kind));
    if io_kind == Some(io::ErrorKind::TimedOut) {
        return OutboundError::Timeout;
    }
    let describe = |kind: Option<io::ErrorKind>, fallback: &str| -> String {
        match kind {
            Some(io::ErrorKind::ConnectionRefused) => "connection refused".into(),
            Some(io::ErrorKind::ConnectionReset) => "connection reset by the remote".into(),
            Some(io::ErrorKind::ConnectionAborted) => "connection aborted".into(),
            Some(io::ErrorKind::UnexpectedEof) => "the remote closed the connection early".into(),
            Some(io::ErrorKind::InvalidData) => {
                "TLS or protocol error (certificate or handshake failure)".into()
            }
            Some(io::ErrorKind::HostUnreachable) => "host unreachable".into(),
            Some(io::ErrorKind::NetworkUnreachable) => "network unreachable".into(),
            Some(io::ErrorKind::AddrNotAvailable) => "address not available".into(),
            Some(io::ErrorKind::PermissionDenied) => "permission denied".into(),
            _ => fallback.into(),
        }
    };
    if e.is_connect() {
        return OutboundError::Connect {
            message: describe(io_kind, "connection failed"),
        };
    }
    if e.is_builder() {
        return OutboundError::InvalidRequest {
            reason: "the request could not be built",
        };
    }
    OutboundError::Io {
        message: describe(io_kind, "the request failed before a complete answer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_serde() {
        let d = OutboundConfig::default();
        assert!(d.allow_private_networks.is_empty());
        assert_eq!(d.connect_timeout, Duration::from_secs(5));
        assert_eq!(d.total_timeout, Duration::from_secs(15));
        assert_eq!(d.max_response_bytes, 1024 * 1024);
        let c: OutboundConfig = serde_json::from_str(
            r#"{"allow_private_networks": ["127.0.0.0/8", "::1/128"], "total_timeout_ms": 2500}"#,
        )
        .unwrap();
        assert_eq!(c.allow_private_networks.len(), 2);
        assert_eq!(c.total_timeout, Duration::from_millis(2500));
        assert_eq!(c.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert!(serde_json::from_str::<OutboundConfig>(r#"{"proxy": "x"}"#).is_err());
        assert!(
            serde_json::from_str::<OutboundConfig>(r#"{"allow_private_networks": ["nope"]}"#)
                .is_err()
        );
        let back: OutboundConfig =
            serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn request_debug_shows_no_url_or_headers() {
        let r =
            OutboundRequest::post(Url::parse("https://h.example/bot1:SECRET/x?k=SECRET").unwrap())
                .log_target("t")
                .secret_header("authorization", "Bearer SECRET");
        let shown = format!("{r:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("h.example"));
    }
}
