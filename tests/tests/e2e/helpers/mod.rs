use std::collections::HashMap;

use patchbay::app::Application;
use patchbay::settings::Settings;
use patchbay_domain::TenantStore;
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scopes};
use patchbay_storage::testing::TestDatabase;
use secrecy::ExposeSecret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database of the given kind; `None` only when Postgres is not
/// reachable outside CI (the testing module says so loudly; under CI=true it
/// fails instead).
pub fn database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => Some(TestDatabase::sqlite()),
        Backend::Postgres => TestDatabase::postgres(),
    }
}

/// A throwaway keyring line; obviously not a real key.
pub const TEST_KEYS: &str = "test-1:dGVzdC1rZXktMS1ub3QtYS1yZWFsLXNlY3JldCEhISE=";

pub fn settings_for(db: &TestDatabase, extra: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("PATCHBAY__DATABASE__URL", db.url()),
        ("PATCHBAY__HTTP__PORT", "0"),
        ("PATCHBAY__HTTP__WORKERS", "2"),
        // Bursts of parallel requests on a loaded 2-core CI machine can wait
        // longer than the default 5 s for a worker to read their heads.
        ("PATCHBAY__HTTP__CLIENT_REQUEST_TIMEOUT_MS", "30000"),
        ("PATCHBAY__DATABASE__POOL_SIZE", "4"),
        ("PATCHBAY__SECRETS__KEYS", TEST_KEYS),
        // No scheduled re-tests unless a test asks for them.
        ("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert((*k).to_string(), (*v).to_string());
    }
    Settings::load_from(None, Some(env)).expect("test settings load")
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Admin key of the `default` organization (the bootstrap key).
    pub admin_key: String,
    pub app_store: std::sync::Arc<patchbay_storage::SqlStore>,
    /// Stops the delivery workers before the database is dropped.
    pub _workers: Option<patchbay::app::WorkerGuard>,
    // Dropped last: the database outlives the server using it.
    pub _db: TestDatabase,
}

/// A second server instance on a [`TestApp`]'s database.
pub struct TestPeer {
    pub base: String,
    pub _workers: Option<patchbay::app::WorkerGuard>,
}

impl TestApp {
    /// Start the real app; `None` when the backend is unavailable outside CI.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, &[]).await
    }

    /// Start the real app with extra `PATCHBAY__...` settings.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
        let db = database(backend)?;
        let settings = settings_for(&db, extra);
        let app = Application::build(settings).await.expect("app builds");
        let port = app.port();
        let admin_key = app
            .bootstrap_key
            .as_ref()
            .expect("a fresh database gets a bootstrap key")
            .expose_secret()
            .to_string();
        let app_store = app.store().clone();
        let workers = app.worker_guard();
        tokio::spawn(app.run_until_stopped());
        Some(TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            admin_key,
            app_store,
            _workers: workers,
            _db: db,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A second instance of the app on this app's database (another server
    /// sharing its queue), with the test settings plus `extra`. Drop it
    /// before this app.
    pub async fn spawn_peer(&self, extra: &[(&str, &str)]) -> TestPeer {
        let settings = settings_for(&self._db, extra);
        let app = Application::build(settings).await.expect("peer app builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let workers = app.worker_guard();
        tokio::spawn(app.run_until_stopped());
        TestPeer {
            base,
            _workers: workers,
        }
    }

    /// A request with the admin key.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.admin_key)
    }

    /// Like [`TestApp::key_for`], also returning the key's id (to revoke it).
    pub async fn key_with_id(
        &self,
        org: &str,
        scopes: &str,
    ) -> (patchbay_domain::ApiKeyId, String) {
        let org = self.app_store.ensure_organization(org).await.expect("org");
        let key = NewApiKey::generate();
        let record = ApiKeyRecord {
            id: patchbay_domain::ApiKeyId::generate(),
            org_id: org.id,
            name: "test".into(),
            display_prefix: key.display_prefix.clone(),
            scopes: Scopes::parse_csv(scopes).expect("scopes"),
            created_at: patchbay_domain::service::now(),
            revoked_at: None,
        };
        self.app_store
            .insert_api_key(&record, &key.hash)
            .await
            .expect("insert key");
        (record.id, key.plaintext.expose_secret().to_string())
    }

    /// A new API key for `org` (created if needed) with these scopes.
    pub async fn key_for(&self, org: &str, scopes: &str) -> String {
        self.key_with_id(org, scopes).await.1
    }
}

/// Run an async test body on both backends: `both!(name);` expands to
/// `name::sqlite` and `name::postgres` calling `name(Backend)`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}
