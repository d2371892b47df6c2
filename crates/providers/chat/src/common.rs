//! Helpers the three chat providers share: the text of a message, endpoint
//! URLs under a base, and our messages for answers and for failures to get
//! one.

use std::time::Duration;

use patchbay_domain::{IntegrationType, Message, PermanentKind, SendOutcome, TestOutcome};
use patchbay_provider_kit::{self as kit, OutboundClient, OutboundError, Url, refuse, status_text};

/// The text a chat message carries: the subject and the text separated by a
/// blank line, or whichever of them is given. `None` when neither holds
/// anything but whitespace.
pub(crate) fn message_text(message: &Message) -> Option<String> {
    let subject = message
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let text = message.text.as_deref().filter(|t| !t.trim().is_empty());
    match (subject, text) {
        (Some(s), Some(t)) => Some(format!("{s}\n\n{t}")),
        (Some(s), None) => Some(s.to_string()),
        (None, Some(t)) => Some(t.to_string()),
        (None, None) => None,
    }
}

/// The outcome of sending a message with no text.
pub(crate) fn nothing_to_send() -> SendOutcome {
    refuse(
        PermanentKind::Message,
        "empty_message",
        "nothing to send: the message has no text (give `text` or `subject`)",
    )
}

/// The text to send for `kind`, or the refusal of a message with none or
/// with more characters than the catalogue allows for `kind`.
pub(crate) fn text_within_limit(
    kind: IntegrationType,
    message: &Message,
) -> Result<String, SendOutcome> {
    let text = message_text(message).ok_or_else(nothing_to_send)?;
    let chars = text.chars().count();
    match kind.spec().limits.max_text_chars {
        Some(max) if chars > max => Err(refuse(
            PermanentKind::Message,
            "message_too_long",
            format!(
                "the message is {chars} characters long; {} accepts at most {max} \
                 (Patchbay does not truncate messages)",
                kind.spec().name
            ),
        )),
        _ => Ok(text),
    }
}

/// A test outcome for a config the provider cannot use.
pub(crate) fn invalid_config_test(message: impl Into<String>) -> TestOutcome {
    TestOutcome::error(message).with_code("invalid_config")
}

/// A send outcome for a config the provider cannot use.
pub(crate) fn invalid_config_send(reason: impl Into<String>) -> SendOutcome {
    refuse(PermanentKind::Credential, "invalid_config", reason)
}

/// `base` with `segments` appended as path segments. Unlike `Url::join`,
/// this keeps the base's whole path (`https://h/api` + `auth.test` is
/// `https://h/api/auth.test`) and cannot turn `bot123:abc` into a scheme.
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Option<Url> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut path = url.path_segments_mut().ok()?;
        path.pop_if_empty();
        path.extend(segments);
    }
    Some(url)
}

/// A provider's error string, if it looks like a stable machine code
/// (`invalid_auth`, `channel_not_found`) and so is safe to repeat; anything
/// else is the provider's free text and is not shown.
pub(crate) fn stable_code(s: &str) -> Option<&str> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(s)
}

/// A value from the provider shown in a message (a bot's or webhook's name,
/// a chat title): control characters dropped, at most `max` characters.
pub(crate) fn display_name(s: &str, max: usize) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.chars().count() <= max {
        clean.to_string()
    } else {
        let mut cut: String = clean.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

/// `300 ms`, `5 s`, `64.6 s`.
pub(crate) fn describe_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis().max(1))
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Who failed to answer, for messages: the service's name and what the URL
/// is called in its config (`Discord` / `webhook URL`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Remote {
    pub service: &'static str,
    pub url_name: &'static str,
}

impl Remote {
    /// Our message for a failure to get an answer. Never holds the URL.
    pub(crate) fn failure_message(self, client: &OutboundClient, e: &OutboundError) -> String {
        let Remote { service, url_name } = self;
        let timeout = client.config().total_timeout;
        match e {
            // Chat words every duration alike, retry hints included.
            OutboundError::Timeout => {
                format!(
                    "{service} did not answer within {}",
                    describe_duration(timeout)
                )
            }
            OutboundError::Decode => {
                format!("{service} answered with a body that is not the expected JSON")
            }
            _ => kit::Remote {
                name: service,
                url: &format!("{service} {url_name}"),
                url_advice: &format!("check the {url_name}"),
            }
            .failure_message(e, timeout),
        }
    }

    /// A test outcome for a failure to get an answer.
    pub(crate) fn test_failure(self, client: &OutboundClient, e: &OutboundError) -> TestOutcome {
        e.test_outcome(self.failure_message(client, e))
    }

    /// A send outcome for a failure to get an answer.
    pub(crate) fn send_failure(self, client: &OutboundClient, e: &OutboundError) -> SendOutcome {
        e.send_outcome(self.failure_message(client, e))
    }

    /// A test outcome for a 429 answer.
    pub(crate) fn test_rate_limited(
        self,
        status: u16,
        retry_after: Option<Duration>,
    ) -> TestOutcome {
        let when = retry_after.map_or_else(
            || "later".to_string(),
            |d| format!("in {}", describe_duration(d)),
        );
        TestOutcome::error(format!(
            "{} is rate limiting requests ({}); try the test again {when}",
            self.service,
            status_text(status),
        ))
        .with_code("rate_limited")
    }

    /// A test outcome for a 5xx answer.
    pub(crate) fn test_server_error(self, status: u16) -> TestOutcome {
        TestOutcome::error(format!(
            "{} failed with a server error ({}); try again later",
            self.service,
            status_text(status)
        ))
        .with_code("server_error")
    }

    /// A send outcome for a 5xx answer.
    pub(crate) fn send_server_error(
        self,
        status: u16,
        retry_after: Option<Duration>,
    ) -> SendOutcome {
        SendOutcome::Retryable {
            reason: format!(
                "{} failed with a server error ({})",
                self.service,
                status_text(status)
            ),
            retry_after,
        }
    }

    /// A test outcome for a status none of the documented answers covers.
    pub(crate) fn test_unexpected(self, status: u16) -> TestOutcome {
        TestOutcome::error(format!(
            "{} answered with an unexpected status ({})",
            self.service,
            status_text(status)
        ))
        .with_code("unexpected_status")
    }

    /// A test outcome for a success status whose body is not what the
    /// service documents.
    pub(crate) fn test_malformed(self, status: u16, what: &str) -> TestOutcome {
        TestOutcome::error(format!(
            "{} answered {} but not with {what}; check the {}",
            self.service,
            status_text(status),
            self.url_name
        ))
        .with_code("invalid_response")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_base_path_and_never_make_a_scheme() {
        let base = Url::parse("https://api.telegram.org/").unwrap();
        let u = endpoint(&base, &["bot123:abc-DEF_9", "getMe"]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://api.telegram.org/bot123:abc-DEF_9/getMe"
        );
        let base = Url::parse("https://slack.com/api").unwrap();
        assert_eq!(
            endpoint(&base, &["auth.test"]).unwrap().as_str(),
            "https://slack.com/api/auth.test"
        );
        let base = Url::parse("http://127.0.0.1:9/gw/slack/?x=1").unwrap();
        assert_eq!(
            endpoint(&base, &["chat.postMessage"]).unwrap().as_str(),
            "http://127.0.0.1:9/gw/slack/chat.postMessage"
        );
        // A `/` in a segment is escaped, never a new path level.
        let base = Url::parse("https://api.telegram.org/").unwrap();
        assert_eq!(
            endpoint(&base, &["bot1:a/../x", "getMe"]).unwrap().path(),
            "/bot1:a%2F..%2Fx/getMe"
        );
        assert!(endpoint(&Url::parse("mailto:x@example.com").unwrap(), &["a"]).is_none());
    }

    #[test]
    fn message_text_joins_subject_and_text() {
        let m = |subject: Option<&str>, text: Option<&str>| Message {
            subject: subject.map(Into::into),
            text: text.map(Into::into),
            ..Message::default()
        };
        assert_eq!(
            message_text(&m(Some(" Deploy "), Some("v1 is live"))).as_deref(),
            Some("Deploy\n\nv1 is live")
        );
        assert_eq!(message_text(&m(None, Some("hi"))).as_deref(), Some("hi"));
        assert_eq!(
            message_text(&m(Some("only"), None)).as_deref(),
            Some("only")
        );
        assert_eq!(message_text(&m(Some("  "), Some(" \n "))), None);
        assert_eq!(message_text(&Message::default()), None);
    }

    #[test]
    fn stable_codes_and_display_names() {
        assert_eq!(stable_code(" invalid_auth\n"), Some("invalid_auth"));
        assert_eq!(stable_code("ok"), Some("ok"));
        assert_eq!(stable_code("Invalid token xoxb-123"), None);
        assert_eq!(stable_code("<html>"), None);
        assert_eq!(stable_code(""), None);
        assert_eq!(stable_code(&"a".repeat(65)), None);
        assert_eq!(display_name(" Alerts\u{7}bot ", 80), "Alertsbot");
        assert_eq!(display_name("abcdef", 3), "abc…");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_duration(Duration::from_secs(5)), "5 s");
        assert_eq!(describe_duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(describe_duration(Duration::from_secs_f64(64.57)), "64.6 s");
    }
}
