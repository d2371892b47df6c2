//! Testing credentials with a real request: saved (with optional
//! overrides, recording the result) and unsaved.

use std::time::Instant;

use serde_json::{Map, Value};

use crate::audit::AuditAction;
use crate::catalogue::IntegrationType;
use crate::config::Config;
use crate::error::DomainError;
use crate::health::TestResult;
use crate::ids::{IntegrationId, OrgId};
use crate::model::{Actor, Environment};
use crate::provider::{ProviderContext, TestOutcome};
use crate::validation::{ValidationErrors, check_complete, parse_fields};

use super::{IntegrationService, TestReport, now};

impl IntegrationService {
    /// Test a saved integration, with `overrides` merged over its stored
    /// config for this call only. The result is recorded on the integration
    /// only when no overrides were given: the last result describes the
    /// stored credentials, and an override test says nothing about them.
    pub async fn test_saved(
        &self,
        org: &OrgId,
        actor: &Actor,
        id: &IntegrationId,
        overrides: Option<Map<String, Value>>,
    ) -> Result<TestReport, DomainError> {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = self.test_store_calls.acquire().await.ok();
        let current = self.get(org, id).await?;
        drop(permit);
        let has_overrides = overrides.as_ref().is_some_and(|o| !o.is_empty());
        let config = match &overrides {
            Some(o) if !o.is_empty() => {
                let mut errors = ValidationErrors::default();
                let parsed = parse_fields(current.kind, o, &self.policy, &mut errors);
                let mut config = current.config.clone();
                for key in &parsed.nulls {
                    config.remove(key);
                }
                for (key, value) in parsed.config.iter() {
                    match value {
                        crate::config::ConfigValue::Plain(v) => config.insert_plain(key, v.clone()),
                        crate::config::ConfigValue::Secret(s) => {
                            config.insert_secret(key, s.clone())
                        }
                    }
                }
                check_complete(current.kind, &config, &mut errors);
                if errors.is_empty() {
                    self.provider_validate(current.kind, &config, &mut errors);
                }
                errors.into_result()?;
                config
            }
            _ => current.config.clone(),
        };
        let ctx = ProviderContext {
            environment: current.environment,
            integration_id: Some(current.id.clone()),
            message_id: None,
        };
        let report = self.run_test(current.kind, &ctx, &config).await;
        if !has_overrides {
            let result = TestResult {
                success: report.outcome.is_success(),
                message: report.outcome.message.clone(),
                latency_ms: report.latency_ms,
                tested_at: report.tested_at,
            };
            let verdict = if result.success { "success" } else { "error" };
            let event = self.event(
                org,
                actor,
                AuditAction::Tested,
                Some(id),
                Vec::new(),
                Some(verdict.to_string()),
            );
            let _permit = self.test_store_calls.acquire().await.ok();
            if self.audit_in_store {
                self.store
                    .record_test_audited(org, id, &result, &event)
                    .await?;
            } else {
                self.store.record_test(org, id, &result).await?;
                self.record_event(event).await;
            }
        }
        Ok(report)
    }

    /// Test a config that is not saved.
    pub async fn test_unsaved(
        &self,
        kind: IntegrationType,
        config: &Map<String, Value>,
        environment: Environment,
    ) -> Result<TestReport, DomainError> {
        let mut errors = ValidationErrors::default();
        let parsed = parse_fields(kind, config, &self.policy, &mut errors);
        let mut config = parsed.config;
        self.fill_defaults(kind, &mut config);
        check_complete(kind, &config, &mut errors);
        if errors.is_empty() {
            self.provider_validate(kind, &config, &mut errors);
        }
        errors.into_result()?;
        let ctx = ProviderContext {
            environment,
            integration_id: None,
            message_id: None,
        };
        Ok(self.run_test(kind, &ctx, &config).await)
    }

    async fn run_test(
        &self,
        kind: IntegrationType,
        ctx: &ProviderContext,
        config: &Config,
    ) -> TestReport {
        let started = Instant::now();
        let tested_at = now();
        let outcome = match self.providers.get(kind) {
            Some(p) => p.test(ctx, config).await,
            None => TestOutcome::error(format!(
                "no provider for type `{}` is available in this build, so the credentials were not tested",
                kind.slug()
            ))
            .with_code("provider_unavailable"),
        };
        TestReport {
            outcome,
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            tested_at,
        }
    }
}
