//! What a provider reports when a request got no usable answer. One
//! classification for every provider, so that a timeout or a blocked address
//! means the same to a client (and to the delivery's retry decision)
//! whichever integration hit it; the wording names the remote and its URL
//! the way each provider's config does.

use std::time::Duration;

use patchbay_domain::{PermanentKind, SendOutcome, TestOutcome};

use crate::error::OutboundError;
use crate::retry::status_text;

/// `5 s` for whole seconds, else `300 ms`: how a configured timeout is shown.
pub fn describe_timeout(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Who a request went to, as failure messages name it.
#[derive(Debug, Clone, Copy)]
pub struct Remote<'a> {
    /// The remote as the subject of a sentence: `Discord`, `the endpoint`.
    pub name: &'a str,
    /// The configured URL as messages name it: `Discord webhook URL`,
    /// `RPC URL`.
    pub url: &'a str,
    /// What to do when the URL leads elsewhere (a redirect):
    /// `check the webhook URL`, `configure the final URL`.
    pub url_advice: &'a str,
}

impl Remote<'_> {
    /// Our message for a request that got no usable answer, `timeout` being
    /// the client's total timeout. Never holds the URL.
    pub fn failure_message(&self, e: &OutboundError, timeout: Duration) -> String {
        let Remote {
            name,
            url,
            url_advice,
        } = *self;
        match e {
            OutboundError::Timeout => {
                format!("{name} did not answer within {}", describe_timeout(timeout))
            }
            OutboundError::Connect { message } => format!("could not connect to {name}: {message}"),
            OutboundError::Io { message } => format!("the connection to {name} failed: {message}"),
            OutboundError::Blocked { reason } => format!(
                "the {url} points to an address Patchbay may not call ({reason}); the operator \
                 can allow private networks in the outbound configuration"
            ),
            OutboundError::Redirect { status } => format!(
                "{name} answered with a redirect ({}); redirects are not followed, so \
                 {url_advice}",
                status_text(*status)
            ),
            OutboundError::InvalidUrl { reason } => format!("the {url} cannot be used: {reason}"),
            OutboundError::InvalidRequest { reason } => {
                format!("the request to {name} cannot be sent: {reason}")
            }
            other => format!("the request to {name} failed: {other}"),
        }
    }
}

/// A permanent refusal made before any request: the config or the message
/// cannot be sent as it is.
pub fn refuse(kind: PermanentKind, code: &str, reason: impl Into<String>) -> SendOutcome {
    SendOutcome::Permanent {
        reason: reason.into(),
        kind,
        code: Some(code.into()),
    }
}

impl OutboundError {
    /// Why a request that failed this way will not pass later on its own.
    pub fn permanent_kind(&self) -> PermanentKind {
        match self {
            // Nothing sent to a redirecting URL will be delivered.
            OutboundError::Redirect { .. } => PermanentKind::Gone,
            // The configuration must change: the URL, a key or a header.
            OutboundError::Blocked { .. }
            | OutboundError::InvalidUrl { .. }
            | OutboundError::InvalidRequest { .. } => PermanentKind::Credential,
            _ => PermanentKind::Message,
        }
    }

    /// The send outcome of a request that failed this way, `reason` being
    /// the provider's message for it: timeouts and connection errors may
    /// pass later; the rest need a change.
    pub fn send_outcome(&self, reason: String) -> SendOutcome {
        if self.is_retryable() {
            return SendOutcome::Retryable {
                reason,
                retry_after: None,
            };
        }
        SendOutcome::Permanent {
            reason,
            kind: self.permanent_kind(),
            code: Some(self.code().into()),
        }
    }

    /// The test outcome of a request that failed this way, `message` being
    /// the provider's message for it.
    pub fn test_outcome(&self, message: String) -> TestOutcome {
        TestOutcome::error(message).with_code(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMOTE: Remote<'static> = Remote {
        name: "Discord",
        url: "Discord webhook URL",
        url_advice: "check the webhook URL",
    };

    #[test]
    fn timeouts_read_naturally() {
        assert_eq!(describe_timeout(Duration::from_secs(5)), "5 s");
        assert_eq!(describe_timeout(Duration::from_millis(300)), "300 ms");
        assert_eq!(describe_timeout(Duration::from_millis(1500)), "1500 ms");
    }

    #[test]
    fn messages_name_the_remote_never_the_url() {
        let t = Duration::from_millis(300);
        assert_eq!(
            REMOTE.failure_message(&OutboundError::Timeout, t),
            "Discord did not answer within 300 ms"
        );
        assert_eq!(
            REMOTE.failure_message(&OutboundError::Redirect { status: 301 }, t),
            "Discord answered with a redirect (301 Moved Permanently); redirects are not \
             followed, so check the webhook URL"
        );
        assert_eq!(
            REMOTE.failure_message(
                &OutboundError::Blocked {
                    reason: "loopback address"
                },
                t
            ),
            "the Discord webhook URL points to an address Patchbay may not call (loopback \
             address); the operator can allow private networks in the outbound configuration"
        );
    }

    #[test]
    fn outcomes_classify_every_failure() {
        let reason = || "r".to_string();
        for e in [
            OutboundError::Timeout,
            OutboundError::Connect {
                message: "refused".into(),
            },
            OutboundError::Io {
                message: "reset".into(),
            },
        ] {
            assert_eq!(
                e.send_outcome(reason()),
                SendOutcome::Retryable {
                    reason: reason(),
                    retry_after: None
                }
            );
        }
        let cases = [
            (OutboundError::Redirect { status: 302 }, PermanentKind::Gone),
            (
                OutboundError::Blocked { reason: "x" },
                PermanentKind::Credential,
            ),
            (
                OutboundError::InvalidUrl { reason: "x" },
                PermanentKind::Credential,
            ),
            (
                OutboundError::InvalidRequest { reason: "x" },
                PermanentKind::Credential,
            ),
            (OutboundError::Decode, PermanentKind::Message),
        ];
        for (e, kind) in cases {
            assert_eq!(
                e.send_outcome(reason()),
                SendOutcome::Permanent {
                    reason: reason(),
                    kind,
                    code: Some(e.code().into())
                }
            );
        }
        let t = OutboundError::Timeout.test_outcome(reason());
        assert_eq!(
            (t.is_success(), t.code.as_deref()),
            (false, Some("timeout"))
        );
    }
}
