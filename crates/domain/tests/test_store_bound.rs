//! A burst of saved tests keeps its store calls within the service's bound
//! (the provider calls themselves all run at once), so other requests are
//! not queued behind the burst for the connection pool.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use patchbay_domain::provider::{Message, TestStatus};
use patchbay_domain::service::now;
use patchbay_domain::validation::ValidationPolicy;
use patchbay_domain::{
    Actor, Config, Environment, Integration, IntegrationId, IntegrationService, IntegrationStore,
    IntegrationType, ListQuery, OrgId, Provider, ProviderContext, ProviderRegistry, SendOutcome,
    Status, StoreError, TestOutcome, TestResult, WriteOutcome,
};

/// Counts store calls in flight; each takes a few milliseconds.
#[derive(Default)]
struct SlowStore {
    rows: Mutex<HashMap<IntegrationId, Integration>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    tests_recorded: AtomicUsize,
}

impl SlowStore {
    async fn call(&self) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        // The behaviour under test: a store call that takes a while, so
        // calls overlap unless something bounds them.
        tokio::time::sleep(Duration::from_millis(3)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl IntegrationStore for SlowStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn insert(&self, i: &Integration) -> Result<Integration, StoreError> {
        self.rows.lock().unwrap().insert(i.id.clone(), i.clone());
        Ok(i.clone())
    }

    async fn get(
        &self,
        org: &OrgId,
        id: &IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        self.call().await;
        Ok(self
            .rows
            .lock()
            .unwrap()
            .get(id)
            .filter(|i| &i.org_id == org)
            .cloned())
    }

    async fn get_by_seq(&self, _: &OrgId, _: i64) -> Result<Option<Integration>, StoreError> {
        unimplemented!()
    }

    async fn list(&self, _: &OrgId, _: &ListQuery) -> Result<Vec<Integration>, StoreError> {
        unimplemented!()
    }

    async fn update(
        &self,
        _: &Integration,
        _: i64,
    ) -> Result<WriteOutcome<Integration>, StoreError> {
        unimplemented!()
    }

    async fn delete(
        &self,
        _: &OrgId,
        _: &IntegrationId,
        _: Option<i64>,
    ) -> Result<WriteOutcome<()>, StoreError> {
        unimplemented!()
    }

    async fn record_test(
        &self,
        _: &OrgId,
        _: &IntegrationId,
        _: &TestResult,
    ) -> Result<bool, StoreError> {
        self.call().await;
        self.tests_recorded.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }

    async fn list_managed(&self, _: &OrgId) -> Result<Vec<Integration>, StoreError> {
        unimplemented!()
    }

    async fn orgs_with_managed(&self) -> Result<Vec<OrgId>, StoreError> {
        unimplemented!()
    }
}

/// Answers after a while, counting how many tests wait on it at once.
#[derive(Default)]
struct SlowProvider {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

#[async_trait]
impl Provider for SlowProvider {
    fn kind(&self) -> IntegrationType {
        IntegrationType::Webhook
    }

    async fn test(&self, _: &ProviderContext, _: &Config) -> TestOutcome {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        // The behaviour under test: a slow provider, so unbounded tests pile
        // up in flight at once.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        TestOutcome::success("ok")
    }

    async fn send(&self, _: &ProviderContext, _: &Config, _: &Message) -> SendOutcome {
        unimplemented!()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_tests_keeps_its_store_calls_bounded() {
    let store = Arc::new(SlowStore::default());
    let provider = Arc::new(SlowProvider::default());
    let mut registry = ProviderRegistry::new();
    registry.register(provider.clone());
    let service = IntegrationService::new(store.clone(), registry, ValidationPolicy::default())
        .with_test_store_concurrency(2);
    let org = OrgId::generate();
    let at = now();
    let it = Integration {
        id: IntegrationId::generate(),
        seq: 1,
        org_id: org.clone(),
        name: "hook".into(),
        kind: IntegrationType::Webhook,
        environment: Environment::Production,
        status: Status::Active,
        is_managed: false,
        managed_key: None,
        config: Config::default(),
        last_test: None,
        recorded_health: None,
        send_hold_until: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    store.insert(&it).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..60 {
        let (service, org, id) = (service.clone(), org.clone(), it.id.clone());
        tasks.push(tokio::spawn(async move {
            service.test_saved(&org, &Actor::Operator, &id, None).await
        }));
    }
    for t in tasks {
        let report = t.await.unwrap().unwrap();
        assert_eq!(report.outcome.status, TestStatus::Success);
    }
    assert_eq!(store.tests_recorded.load(Ordering::SeqCst), 60);
    let store_peak = store.peak.load(Ordering::SeqCst);
    assert!(store_peak <= 2, "{store_peak} store calls at once");
    // The provider calls were not serialised by the bound.
    let provider_peak = provider.peak.load(Ordering::SeqCst);
    assert!(provider_peak >= 20, "only {provider_peak} tests in flight");
}
