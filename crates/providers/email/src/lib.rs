//! Patchbay's email providers, both through the guarded outbound client:
//!
//! - [`SendgridProvider`]: tests with `GET /v3/scopes` (the key must hold
//!   `mail.send`), sends with `POST /v3/mail/send`; `stage` uses SendGrid's
//!   sandbox mode. 429 waits until `X-RateLimit-Reset`.
//! - [`ResendProvider`]: tests with `GET /domains` (a sending-only key's
//!   401 `restricted_api_key` counts as valid), sends with `POST /emails`
//!   and an `Idempotency-Key`; `stage` sends only to Resend's test
//!   addresses.
//!
//! Messages are ours: a provider's body is read only for its stable error
//! code (Resend's `name`) or field names (SendGrid's `errors[].field`), and
//! never returned or logged; neither is the API key.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod common;
pub mod resend;
pub mod sendgrid;

pub use resend::{
    MAX_IDEMPOTENCY_KEY_LEN, RESEND_API_BASE, RESEND_TEST_DOMAIN, ResendProvider,
    is_resend_test_address,
};
pub use sendgrid::{
    MAIL_SEND_SCOPE, SENDGRID_EU_BASE, SENDGRID_GLOBAL_BASE, SendgridProvider, rate_limit_reset,
};
