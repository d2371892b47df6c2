//! The outbound client's errors. No message ever holds the URL, a header
//! value or the remote body: URLs and headers carry secrets (webhook URLs,
//! Telegram's `/bot<token>/` path, auth headers), bodies are the remote's.

/// Why an outbound request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The destination address is forbidden by the SSRF guard.
    #[error("the destination address is not allowed: {reason}")]
    Blocked {
        /// Which kind of forbidden range the address is in (private, loopback,
        /// …).
        reason: &'static str,
    },
    /// The URL cannot be used (wrong scheme, no host).
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name or value cannot be sent, or the body could not be built.
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What could not be sent or built.
        reason: &'static str,
    },
    /// No answer (connect or whole request) within the configured time.
    #[error("the request timed out")]
    Timeout,
    /// No connection could be made (DNS failure, refused, TLS failure).
    #[error("could not connect: {message}")]
    Connect {
        /// What failed, in our words (never the URL or the host).
        message: String,
    },
    /// The remote answered 3xx; redirects are never followed.
    #[error("the remote answered with a redirect ({status}); redirects are not followed")]
    Redirect {
        /// The 3xx status.
        status: u16,
    },
    /// The response body was larger than the configured cap. `status` is the
    /// response's status, so a caller that does not need the body can still
    /// act on it.
    #[error("the response body is larger than {limit} bytes")]
    TooLarge {
        /// The response's status.
        status: u16,
        /// The cap, in bytes.
        limit: usize,
    },
    /// The connection failed after it was made (reset, truncated body).
    #[error("the connection failed: {message}")]
    Io {
        /// What failed, in our words (never the URL or the host).
        message: String,
    },
    /// The response body was not the expected JSON.
    #[error("the response body is not the expected JSON")]
    Decode,
    /// The client could not be built (TLS backend initialisation).
    #[error("the outbound HTTP client could not be built: {message}")]
    Setup {
        /// What could not be initialised.
        message: String,
    },
}

impl OutboundError {
    /// True for failures that may pass on a later attempt: timeouts and
    /// connection-level errors. The status-based answers are judged by
    /// [`crate::classify_status`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            OutboundError::Timeout | OutboundError::Connect { .. } | OutboundError::Io { .. }
        )
    }

    /// A stable, machine-readable code for this error, safe to return to API
    /// clients (e.g. as a test result's `code`).
    pub fn code(&self) -> &'static str {
        match self {
            OutboundError::Blocked { .. } => "blocked_address",
            OutboundError::InvalidUrl { .. } => "invalid_url",
            OutboundError::InvalidRequest { .. } => "invalid_request",
            OutboundError::Timeout => "timeout",
            OutboundError::Connect { .. } => "connect_failed",
            OutboundError::Redirect { .. } => "redirect",
            OutboundError::TooLarge { .. } => "response_too_large",
            OutboundError::Io { .. } => "connection_error",
            OutboundError::Decode => "invalid_response",
            OutboundError::Setup { .. } => "client_setup",
        }
    }
}
