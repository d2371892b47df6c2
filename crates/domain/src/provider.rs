//! The contract every provider family implements, and the typed outcomes of
//! a test and a send.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::ids::IntegrationId;
use crate::model::Environment;
use crate::validation::ValidationErrors;

/// Context of one call: which environment the integration is in and, when it
/// is saved, its id.
#[derive(Debug, Clone)]
pub struct ProviderContext {
    /// The integration's environment (a provider may sandbox stage sends).
    pub environment: Environment,
    /// The saved integration's id; `None` when testing an unsaved config.
    pub integration_id: Option<IntegrationId>,
    /// Stable across retries of one delivery (e.g. a webhook's `webhook-id`).
    pub message_id: Option<String>,
}

/// A channel-neutral message; each provider uses the parts it can carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Message {
    /// A subject line (email; chat types put it before the text).
    pub subject: Option<String>,
    /// Plain text body.
    pub text: Option<String>,
    /// HTML body (email).
    pub html: Option<String>,
    /// Recipients' email addresses (email only).
    #[serde(default)]
    pub to: Vec<String>,
    /// Structured payload (webhooks).
    pub data: Option<Value>,
    /// Event type for webhooks (`type` in the body).
    pub event_type: Option<String>,
}

/// How a credential test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    /// The provider accepted the credentials.
    Success,
    /// It did not, or could not be reached.
    Error,
}

/// The result of a credential test. `message` is ours, never the provider's
/// raw body; `code` is the provider's stable error code where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestOutcome {
    /// Whether it passed.
    pub status: TestStatus,
    /// What the test saw, worded for a person.
    pub message: String,
    /// The provider's stable error code, when it has one.
    pub code: Option<String>,
}

impl TestOutcome {
    /// A passed test, with its message.
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            status: TestStatus::Success,
            message: message.into(),
            code: None,
        }
    }

    /// A failed test, with its message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            status: TestStatus::Error,
            message: message.into(),
            code: None,
        }
    }

    /// The same outcome with the provider's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Whether the test passed.
    pub fn is_success(&self) -> bool {
        self.status == TestStatus::Success
    }
}

/// Why a send cannot succeed however often it is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermanentKind {
    /// The credential is bad, revoked or lacks a permission.
    Credential,
    /// The endpoint or target is gone (e.g. webhook 410, unknown webhook).
    Gone,
    /// The provider refused this message; another may pass.
    Message,
    /// This type cannot do what was asked.
    Unsupported,
}

/// The result of one send attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The provider accepted the message.
    Delivered {
        /// The provider's id for the message, when it gives one.
        provider_message_id: Option<String>,
        /// The provider said this integration's allowance is used up (e.g.
        /// Discord's `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset-After`):
        /// send nothing more through it for this long.
        hold_for: Option<Duration>,
    },
    /// It did not, and a later attempt may succeed (timeout, 5xx, rate limit).
    Retryable {
        /// What went wrong, worded for a person.
        reason: String,
        /// The provider's hint: do not retry before this much time has passed.
        retry_after: Option<Duration>,
    },
    /// It did not, and no retry can help.
    Permanent {
        /// What went wrong, worded for a person.
        reason: String,
        /// What kind of failure it is (decides the integration's health).
        kind: PermanentKind,
        /// The provider's error code (or ours, e.g. `redirect`), when there is one.
        code: Option<String>,
    },
}

/// One provider family's way to test credentials and send messages.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The type this provider serves.
    fn kind(&self) -> IntegrationType;

    /// Checks beyond the catalogue's field rules (e.g. a literal host that
    /// the outbound guard would refuse). The catalogue rules have already
    /// passed when this is called.
    fn validate(&self, _config: &Config) -> Result<(), ValidationErrors> {
        Ok(())
    }

    /// A real, non-destructive request proving the credential works.
    async fn test(&self, ctx: &ProviderContext, config: &Config) -> TestOutcome;

    /// Deliver one message.
    async fn send(&self, ctx: &ProviderContext, config: &Config, message: &Message) -> SendOutcome;
}

/// The providers compiled into this build, by type.
#[derive(Clone, Default)]
pub struct ProviderRegistry {
    providers: HashMap<IntegrationType, Arc<dyn Provider>>,
}

impl ProviderRegistry {
    /// No providers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `provider` for its type, replacing any earlier one for that type.
    pub fn register(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.kind(), provider);
    }

    /// The provider for `kind`, if one is registered.
    pub fn get(&self, kind: IntegrationType) -> Option<&Arc<dyn Provider>> {
        self.providers.get(&kind)
    }
}
