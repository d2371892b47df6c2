//! Talking to a provider's API: endpoint URLs under a configured base, and
//! answers read as JSON for the stable codes and ids providers pick out of
//! them (never for their prose, which is the remote's).

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::client::{OutboundResponse, header_str};
use crate::retry::parse_retry_after;

/// `base` + `path`, keeping any path the base has (`https://x/v1` +
/// `emails` is `https://x/v1/emails`, not `https://x/emails`); the base's
/// query and fragment are dropped. `None` for a base that cannot carry a
/// path.
pub fn join_path(base: &Url, path: &str) -> Option<Url> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).ok()
}

/// A provider's code, if it looks like one (a short identifier such as
/// `invalid_api_key` or `-32601`): anything else could be prose, or an echo
/// of what we sent.
pub fn safe_code(v: &Value) -> Option<String> {
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

/// An answer with its body read as JSON once.
#[derive(Debug, Clone)]
pub struct JsonAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers (none when the body was over the cap).
    pub headers: HeaderMap,
    /// The body as JSON; `Value::Null` when it is not JSON (or was not read
    /// because it was too large).
    pub body: Value,
}

impl From<OutboundResponse> for JsonAnswer {
    fn from(resp: OutboundResponse) -> Self {
        Self {
            status: resp.status,
            body: serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
            headers: resp.headers,
        }
    }
}

impl JsonAnswer {
    /// A header's value, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_str(&self.headers, name)
    }

    /// The `Retry-After` hint (delta-seconds or an HTTP date), if valid.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
    }

    /// A non-empty string field of the body (a JSON pointer, `/id`), such
    /// as the id a provider gives a message.
    pub fn text_at(&self, pointer: &str) -> Option<String> {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// A string or number field of the body (a JSON pointer, `/name`), if it
    /// is a safe code (see [`safe_code`]).
    pub fn code_at(&self, pointer: &str) -> Option<String> {
        self.body.pointer(pointer).and_then(safe_code)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn joined_paths_keep_the_base_path() {
        let at = |base: &str, path: &str| {
            join_path(&Url::parse(base).unwrap(), path)
                .map(String::from)
                .unwrap_or_default()
        };
        assert_eq!(
            at("https://api.sendgrid.com/", "v3/scopes"),
            "https://api.sendgrid.com/v3/scopes"
        );
        assert_eq!(
            at("http://127.0.0.1:9000", "emails"),
            "http://127.0.0.1:9000/emails"
        );
        assert_eq!(
            at("https://proxy.example/resend", "emails"),
            "https://proxy.example/resend/emails"
        );
        assert_eq!(
            at("https://ai-gateway.vercel.sh/v1", "chat/completions"),
            "https://ai-gateway.vercel.sh/v1/chat/completions"
        );
        assert_eq!(
            at("https://api.openai.com/v1/?k=1#x", "models"),
            "https://api.openai.com/v1/models"
        );
        assert_eq!(at("mailto:x@example.com", "emails"), "");
    }

    #[test]
    fn answers_read_their_json_body() {
        let resp = |body: &'static str| OutboundResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let a = JsonAnswer::from(resp(
            r#"{"id": "m_1", "name": "not_found", "n": 5, "e": ""}"#,
        ));
        assert_eq!(a.text_at("/id").as_deref(), Some("m_1"));
        assert_eq!(a.text_at("/e"), None);
        assert_eq!(a.text_at("/n"), None);
        assert_eq!(a.code_at("/name").as_deref(), Some("not_found"));
        assert_eq!(a.code_at("/n").as_deref(), Some("5"));
        assert_eq!(JsonAnswer::from(resp("<html>")).body, Value::Null);
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
