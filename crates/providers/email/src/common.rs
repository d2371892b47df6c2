//! Helpers both email providers share: reading config, building endpoint
//! URLs, reading answers and wording transport failures. Every message here
//! is ours: no URL, header value, key or remote body ever goes into one.

use std::time::{Duration, SystemTime};

use patchbay_domain::{Config, ConfigValue, PermanentKind, SendOutcome};
use patchbay_provider_kit::{
    HeaderMap, OutboundClient, OutboundError, OutboundResponse, Url, parse_retry_after, status_text,
};
use serde_json::Value;

/// A field's non-empty text, whether held as a secret or in the clear.
pub(crate) fn text<'a>(config: &'a Config, key: &str) -> Option<&'a str> {
    match config.get(key) {
        Some(ConfigValue::Secret(s)) => Some(s.expose()),
        Some(ConfigValue::Plain(Value::String(s))) => Some(s.as_str()),
        _ => None,
    }
    .map(str::trim)
    .filter(|s| !s.is_empty())
}

/// `base` + `path`, keeping any path the base has (`https://x/v1` +
/// `emails` is `https://x/v1/emails`, not `https://x/emails`).
pub(crate) fn endpoint(base: &Url, path: &str) -> Option<Url> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).ok()
}

/// A provider's answer: status, headers and (possibly empty) body.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Retry-After` hint (delta-seconds or an HTTP date), if valid.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    }

    /// A string field of the JSON body, if it is a safe code.
    pub fn code_at(&self, pointer: &str) -> Option<String> {
        self.body.pointer(pointer).and_then(safe_code)
    }
}

/// Read the outbound result into an [`Answer`]. A body too large to read
/// still has a status: it is kept, with no body or headers.
pub(crate) fn answer(
    result: Result<OutboundResponse, OutboundError>,
) -> Result<Answer, OutboundError> {
    match result {
        Ok(resp) => Ok(Answer {
            status: resp.status,
            body: serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
            headers: resp.headers,
        }),
        Err(OutboundError::TooLarge { status, .. }) => Ok(Answer {
            status,
            headers: HeaderMap::new(),
            body: Value::Null,
        }),
        Err(e) => Err(e),
    }
}

/// A provider's error code, if it looks like one (a short identifier):
/// anything else could be prose, or an echo of what we sent.
pub(crate) fn safe_code(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then_some(s)
}

pub(crate) fn describe_timeout(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Our message for a request that got no usable answer.
pub(crate) fn failure_message(
    provider: &str,
    e: &OutboundError,
    client: &OutboundClient,
) -> String {
    match e {
        OutboundError::Timeout => format!(
            "{provider} did not answer within {}",
            describe_timeout(client.config().total_timeout)
        ),
        OutboundError::Connect { message } => format!("could not connect to {provider}: {message}"),
        OutboundError::Io { message } => {
            format!("the connection to {provider} failed: {message}")
        }
        OutboundError::Blocked { reason } => format!(
            "the {provider} API address is one Patchbay may not call ({reason}); \
             check the configured API base URL"
        ),
        OutboundError::Redirect { status } => format!(
            "{provider} answered with a redirect ({}); redirects are not followed, \
             so check the configured API base URL",
            status_text(*status)
        ),
        OutboundError::InvalidRequest { .. } => format!(
            "the request to {provider} could not be built: the API key holds characters \
             that cannot be sent in a header"
        ),
        OutboundError::InvalidUrl { reason } => {
            format!("the {provider} API base URL cannot be used: {reason}")
        }
        other => format!("the request to {provider} failed: {other}"),
    }
}

/// The send outcome of a request that got no usable answer.
pub(crate) fn failure_outcome(
    provider: &str,
    e: &OutboundError,
    client: &OutboundClient,
) -> SendOutcome {
    let reason = failure_message(provider, e, client);
    if e.is_retryable() {
        return SendOutcome::Retryable {
            reason,
            retry_after: None,
        };
    }
    let kind = match e {
        OutboundError::Redirect { .. } => PermanentKind::Gone,
        OutboundError::Blocked { .. }
        | OutboundError::InvalidUrl { .. }
        | OutboundError::InvalidRequest { .. } => PermanentKind::Credential,
        _ => PermanentKind::Message,
    };
    SendOutcome::Permanent {
        reason,
        kind,
        code: Some(e.code().into()),
    }
}

/// A permanent refusal made before any request.
pub(crate) fn refuse(kind: PermanentKind, code: &str, reason: impl Into<String>) -> SendOutcome {
    SendOutcome::Permanent {
        reason: reason.into(),
        kind,
        code: Some(code.into()),
    }
}

/// A recipient as given: `addr@domain` or `Name <addr@domain>`.
pub(crate) struct Recipient<'a> {
    pub name: Option<&'a str>,
    pub email: &'a str,
}

/// Split `Name <addr>` (or a bare address). `None` when the address part is
/// not plausibly an email address (one `@`, something either side, no
/// spaces or control characters).
pub(crate) fn parse_recipient(raw: &str) -> Option<Recipient<'_>> {
    let raw = raw.trim();
    let (name, email) = match (raw.rfind('<'), raw.ends_with('>')) {
        (Some(open), true) => {
            let name = raw[..open].trim().trim_matches('"').trim();
            let email = raw[open + 1..raw.len() - 1].trim();
            ((!name.is_empty()).then_some(name), email)
        }
        _ => (None, raw),
    };
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && email.len() <= 320
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'));
    plausible.then_some(Recipient { name, email })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_keep_the_base_path() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            endpoint(&u("https://api.sendgrid.com/"), "v3/scopes")
                .unwrap()
                .as_str(),
            "https://api.sendgrid.com/v3/scopes"
        );
        assert_eq!(
            endpoint(&u("http://127.0.0.1:9000"), "emails")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9000/emails"
        );
        assert_eq!(
            endpoint(&u("https://proxy.example/resend"), "emails")
                .unwrap()
                .as_str(),
            "https://proxy.example/resend/emails"
        );
    }

    #[test]
    fn recipients() {
        let r = parse_recipient("Ann Lee <ann@example.com>").unwrap();
        assert_eq!((r.name, r.email), (Some("Ann Lee"), "ann@example.com"));
        let r = parse_recipient("\"Lee, Ann\" <ann@example.com>").unwrap();
        assert_eq!(r.name, Some("Lee, Ann"));
        let r = parse_recipient(" bob@example.com ").unwrap();
        assert_eq!((r.name, r.email), (None, "bob@example.com"));
        for bad in [
            "",
            "bob",
            "@x",
            "bob@",
            "a b@x.com",
            "a@b@c",
            "<>",
            "a@x.com, b@x.com",
        ] {
            assert!(parse_recipient(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn codes_must_look_like_codes() {
        assert_eq!(
            safe_code(&json!("invalid_api_key")).as_deref(),
            Some("invalid_api_key")
        );
        assert_eq!(safe_code(&json!(-32601)).as_deref(), Some("-32601"));
        assert_eq!(safe_code(&json!("The key re_123 is bad")), None);
        assert_eq!(safe_code(&json!("")), None);
        assert_eq!(safe_code(&json!({"a": 1})), None);
    }
}
