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
    pub environment: Environment,
    pub integration_id: Option<IntegrationId>,
    /// Stable across retries of one delivery (e.g. a webhook's `webhook-id`).
    pub message_id: Option<String>,
}

/// A channel-neutral message; each provider uses the parts it can carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Message {
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    /// Structured payload (webhooks).
    pub data: Option<Value>,
    /// Event type for webhooks (`type` in the body).
    pub event_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    Success,
    Error,
}

/// The result of a credential test. `message` is ours, never the provider's
/// raw body; `code` is the provider's stable error code where it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestOutcome {
    pub status: TestStatus,
    pub message: String,
    pub code: Option<String>,
}

impl TestOutcome {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            status: TestStatus::Success,
            message: message.into(),
            code: None,
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            status: TestStatus::Error,
            message: message.into(),
            code: None,
        }
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn is_success(&self) -> bool {
        self.status == TestStatus::Success
    }
}

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
    Delivered {
        provider_message_id: Option<String>,
        /// The provider said this integration's allowance is used up (e.g.
        /// Discord's `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset-After`):
        /// send nothing more through it for this long.
        hold_for: Option<Duration>,
    },
    Retryable {
        reason: String,
        /// The provider's hint: do not retry before this much time has passed.
        retry_after: Option<Duration>,
    },
    Permanent {
        reason: String,
        kind: PermanentKind,
        code: Option<String>,
    },
}

#[async_trait]
pub trait Provider: Send + Sync {
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
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(&mut self, provider: Arc<dyn Provider>) {
        self.providers.insert(provider.kind(), provider);
    }

    pub fn get(&self, kind: IntegrationType) -> Option<&Arc<dyn Provider>> {
        self.providers.get(&kind)
    }
}
