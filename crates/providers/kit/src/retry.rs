//! `Retry-After` parsing and the classification of HTTP statuses.

use std::time::{Duration, SystemTime};

/// The longest wait a `Retry-After` hint may ask for; longer hints are capped
/// to this (a remote asking for a day is treated as asking for an hour).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

/// Parse a `Retry-After` value: delta-seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, also the obsolete RFC 850 and asctime
/// forms). Anything else (`""`, `"soon"`, `"-5"`, `"12.5"`, `"300s"`) is
/// ignored. A date in the past means "now" (zero). Values are capped at
/// [`MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only overflow can fail, and an overflowing value is
        // absurdly large, so it is capped like any other large one.
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let wait = at.duration_since(now).unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Parse a retry hint given as (possibly fractional) seconds in a JSON body,
/// e.g. Discord's `"retry_after": 64.57` or Telegram's
/// `"parameters": {"retry_after": 30}`. Negative, non-finite and non-numeric
/// values are ignored; values are capped at [`MAX_RETRY_AFTER`].
pub fn retry_after_from_secs_f64(secs: f64) -> Option<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    let capped = secs.min(MAX_RETRY_AFTER.as_secs_f64());
    Some(Duration::from_secs_f64(capped))
}

/// How a response status should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx: delivered / accepted.
    Success,
    /// 3xx: a failure, since redirects are never followed.
    Redirect,
    /// 429: retry, honouring the remote's hint.
    RateLimited,
    /// 5xx (502, 503, 504 and the rest): retry.
    ServerError,
    /// Other 4xx: permanent for this request.
    ClientError,
    /// 1xx or a status outside 100-599: treat as a failure.
    Unexpected,
}

impl StatusClass {
    /// True for the classes worth retrying: 429 and 5xx.
    pub fn is_retryable(self) -> bool {
        matches!(self, StatusClass::RateLimited | StatusClass::ServerError)
    }
}

/// Classify a response status.
pub fn classify_status(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        300..=399 => StatusClass::Redirect,
        429 => StatusClass::RateLimited,
        400..=499 => StatusClass::ClientError,
        500..=599 => StatusClass::ServerError,
        _ => StatusClass::Unexpected,
    }
}

/// `"404 Not Found"`, or just the number for statuses without a standard
/// reason phrase. Safe for messages: it is ours, not the remote's text.
pub fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        // Tue, 15 Nov 1994 08:12:31 GMT
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_887_151)
    }

    #[test]
    fn delta_seconds() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("7", now()), Some(Duration::from_secs(7)));
    }

    #[test]
    fn http_dates() {
        for v in [
            "Tue, 15 Nov 1994 08:14:31 GMT",
            "Tuesday, 15-Nov-94 08:14:31 GMT",
            "Tue Nov 15 08:14:31 1994",
        ] {
            assert_eq!(
                parse_retry_after(v, now()),
                Some(Duration::from_secs(120)),
                "{v}"
            );
        }
        // In the past: retry now.
        assert_eq!(
            parse_retry_after("Tue, 15 Nov 1994 08:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn junk_is_ignored() {
        for v in [
            "",
            "   ",
            "soon",
            "-5",
            "12.5",
            "300s",
            "+5",
            "0x10",
            "1e3",
            "5 5",
            "Tue, 99 Nov 1994 08:14:31 GMT",
        ] {
            assert_eq!(parse_retry_after(v, now()), None, "{v:?}");
        }
    }

    #[test]
    fn absurd_values_are_capped() {
        assert_eq!(parse_retry_after("86400", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("3600", now()), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("99999999999999999999999999", now()),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now()),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn float_seconds() {
        assert_eq!(
            retry_after_from_secs_f64(64.57),
            Some(Duration::from_secs_f64(64.57))
        );
        assert_eq!(retry_after_from_secs_f64(-1.0), None);
        assert_eq!(retry_after_from_secs_f64(f64::NAN), None);
        assert_eq!(retry_after_from_secs_f64(1e12), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn statuses() {
        assert_eq!(classify_status(200), StatusClass::Success);
        assert_eq!(classify_status(204), StatusClass::Success);
        assert_eq!(classify_status(301), StatusClass::Redirect);
        assert_eq!(classify_status(429), StatusClass::RateLimited);
        for s in [500, 502, 503, 504, 599] {
            assert_eq!(classify_status(s), StatusClass::ServerError);
            assert!(classify_status(s).is_retryable());
        }
        for s in [400, 401, 404, 410, 422] {
            assert_eq!(classify_status(s), StatusClass::ClientError);
            assert!(!classify_status(s).is_retryable());
        }
        assert_eq!(classify_status(101), StatusClass::Unexpected);
        assert_eq!(status_text(404), "404 Not Found");
        assert_eq!(status_text(599), "599");
    }
}
