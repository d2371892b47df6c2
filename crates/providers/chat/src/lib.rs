//! Patchbay's chat providers, each talking to its service through the one
//! guarded outbound client:
//!
//! - [`DiscordProvider`]: an incoming webhook (`GET` it to test, `POST
//!   ?wait=true` to send).
//! - [`SlackProvider`]: an incoming webhook (tested with a deliberately
//!   malformed probe that Slack refuses without posting) or a bot token
//!   (`auth.test`, `chat.postMessage`).
//! - [`TelegramProvider`]: a bot token and a chat id (`getMe` and `getChat`
//!   to test, `sendMessage` to send).
//!
//! Error layering: the kit's [`OutboundError`](patchbay_provider_kit::OutboundError)
//! (never holding a URL, header or body) and each service's answer are mapped
//! here to our own messages plus the service's stable error code. A
//! service's raw body is read only to pick out those codes and ids; it never
//! reaches a message. Webhook URLs and tokens are secrets: they appear in no
//! message, and requests are logged by the kit with a label, the method and
//! the host only.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod common;
mod discord;
mod slack;
mod telegram;

pub use discord::DiscordProvider;
pub use slack::{SLACK_API_BASE, SlackProvider};
pub use telegram::{TELEGRAM_API_BASE, TelegramProvider};
