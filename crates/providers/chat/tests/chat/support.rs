//! Shared test helpers.

use std::time::Duration;

use patchbay_domain::{
    Environment, Message, PermanentKind, ProviderContext, SendOutcome, TestOutcome, TestStatus,
};
use patchbay_provider_kit::testing::impatient_config;
pub use patchbay_provider_kit::testing::{client_config, closed_port};
use patchbay_provider_kit::{OutboundClient, OutboundConfig};

/// Text that mock servers put in their bodies; it must never reach an
/// outcome.
pub const BODY_MARKER: &str = "RAW-BODY-MARKER";

pub fn client() -> OutboundClient {
    OutboundClient::new(client_config()).unwrap()
}

/// A client that gives up after 300 ms.
pub fn impatient_client() -> OutboundClient {
    OutboundClient::new(impatient_config()).unwrap()
}

/// The production guard: no private networks.
pub fn guarded_client() -> OutboundClient {
    OutboundClient::new(OutboundConfig::default()).unwrap()
}

pub fn ctx() -> ProviderContext {
    ProviderContext {
        environment: Environment::Production,
        integration_id: None,
        message_id: None,
    }
}

pub fn text(s: &str) -> Message {
    Message {
        text: Some(s.to_string()),
        ..Message::default()
    }
}

/// Assert `shown` holds none of `secrets` and no raw body text.
pub fn assert_clean(shown: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!shown.contains(s), "secret `{s}` shown in: {shown}");
    }
    assert!(!shown.contains(BODY_MARKER), "raw body shown in: {shown}");
}

/// Every text an outcome shows.
pub fn send_text(o: &SendOutcome) -> String {
    match o {
        SendOutcome::Delivered {
            provider_message_id,
            ..
        } => provider_message_id.clone().unwrap_or_default(),
        SendOutcome::Retryable { reason, .. } => reason.clone(),
        SendOutcome::Permanent { reason, code, .. } => {
            format!("{reason} {}", code.as_deref().unwrap_or_default())
        }
    }
}

pub fn test_text(o: &TestOutcome) -> String {
    format!("{} {}", o.message, o.code.as_deref().unwrap_or_default())
}

#[track_caller]
pub fn assert_test_error(o: &TestOutcome, code: &str, secrets: &[&str]) {
    assert_eq!(o.status, TestStatus::Error, "{o:?}");
    assert_eq!(o.code.as_deref(), Some(code), "{o:?}");
    assert_clean(&test_text(o), secrets);
}

#[track_caller]
pub fn assert_test_success(o: &TestOutcome, secrets: &[&str]) {
    assert_eq!(o.status, TestStatus::Success, "{o:?}");
    assert_clean(&test_text(o), secrets);
}

/// Assert a permanent outcome of this kind and code; returns the reason.
#[track_caller]
pub fn assert_permanent(
    o: &SendOutcome,
    kind: PermanentKind,
    code: &str,
    secrets: &[&str],
) -> String {
    let SendOutcome::Permanent {
        reason,
        kind: k,
        code: c,
    } = o
    else {
        panic!("expected permanent {kind:?} {code}, got {o:?}");
    };
    assert_eq!((*k, c.as_deref()), (kind, Some(code)), "{o:?}");
    assert_clean(&send_text(o), secrets);
    reason.clone()
}

/// Assert a retryable outcome with this hint; returns the reason.
#[track_caller]
pub fn assert_retryable(o: &SendOutcome, hint: Option<Duration>, secrets: &[&str]) -> String {
    let SendOutcome::Retryable {
        reason,
        retry_after,
    } = o
    else {
        panic!("expected retryable, got {o:?}");
    };
    assert_eq!(*retry_after, hint, "{o:?}");
    assert_clean(reason, secrets);
    reason.clone()
}
