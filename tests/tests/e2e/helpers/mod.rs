//! What every end-to-end test uses: the real app on a fresh database
//! ([`TestApp`]), one helper per route ([`Client`]), responses read
//! whole with the checks the API documents ([`Reply`]), and local mock
//! providers the app is pointed at ([`mocks`]).

mod client;
pub mod mocks;
mod reply;

use std::collections::HashMap;
use std::sync::Arc;

use patchbay::app::{Application, WorkerGuard};
use patchbay::settings::Settings;
use patchbay_domain::auth::{ApiKeyRecord, NewApiKey, Scopes};
use patchbay_domain::{ApiKeyId, TenantStore};
use patchbay_storage::SqlStore;
pub use patchbay_storage::testing::{TestDatabase, eventually, on_both_backends};
use secrecy::ExposeSecret;

pub use client::Client;
pub use reply::{Reply, SUMMARY_KEYS, assert_verdict, etag, id_of, ids_of, keys, reply};

/// Well-formed credentials of each kind; none of them real.
pub const SLACK_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";
pub const DISCORD_URL: &str = "https://discord.com/api/webhooks/123456/abcdefghijklmnop";
pub const SENDGRID_KEY: &str = "SG.aaaaaaaaaaaaaaaaaaaaaaaa";

/// A throwaway keyring line; obviously not a real key.
pub const TEST_KEYS: &str = "test-1:dGVzdC1rZXktMS1ub3QtYS1yZWFsLXNlY3JldCEhISE=";

/// The app's settings for a test on `db`: a free port, a small pool, the
/// test keyring, then `extra` (later entries win).
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

/// The real app serving on a free port over a fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    client: reqwest::Client,
    /// Admin key of the `default` organization (the bootstrap key).
    pub admin_key: String,
    pub app_store: Arc<SqlStore>,
    /// Stops the delivery workers before the database is dropped.
    _workers: Option<WorkerGuard>,
    // Dropped last: the database outlives the server using it.
    db: TestDatabase,
}

/// A second server instance on a [`TestApp`]'s database.
pub struct TestPeer {
    base: String,
    _workers: Option<WorkerGuard>,
}

impl TestApp {
    /// Start the real app on `db`.
    pub async fn spawn(db: TestDatabase) -> TestApp {
        Self::spawn_with(db, &[]).await
    }

    /// Start the real app on `db` with extra `PATCHBAY__...` settings.
    pub async fn spawn_with(db: TestDatabase, extra: &[(&str, &str)]) -> TestApp {
        let app = Application::build(settings_for(&db, extra))
            .await
            .expect("app builds");
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
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            admin_key,
            app_store,
            _workers: workers,
            db,
        }
    }

    /// The database this app serves.
    pub fn database(&self) -> &TestDatabase {
        &self.db
    }

    /// Requests as the admin of the `default` organization.
    pub fn admin(&self) -> Client {
        self.with_key(&self.admin_key)
    }

    /// Requests with this API key.
    pub fn with_key(&self, key: &str) -> Client {
        Client::new(self.client.clone(), &self.base, Some(key))
    }

    /// Requests without credentials.
    pub fn anonymous(&self) -> Client {
        Client::new(self.client.clone(), &self.base, None)
    }

    /// A second instance of the app on this app's database (another server
    /// sharing its queue), with the test settings plus `extra`. Drop it
    /// before this app.
    pub async fn spawn_peer(&self, extra: &[(&str, &str)]) -> TestPeer {
        let settings = settings_for(&self.db, extra);
        let app = Application::build(settings).await.expect("peer app builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let workers = app.worker_guard();
        tokio::spawn(app.run_until_stopped());
        TestPeer {
            base,
            _workers: workers,
        }
    }

    /// Like [`TestApp::key_for`], also returning the key's id (to revoke it).
    pub async fn key_with_id(&self, org: &str, scopes: &str) -> (ApiKeyId, String) {
        let org = self.app_store.ensure_organization(org).await.expect("org");
        let key = NewApiKey::generate();
        let record = ApiKeyRecord {
            id: ApiKeyId::generate(),
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

impl TestPeer {
    /// Requests to this instance with this API key.
    pub fn with_key(&self, key: &str) -> Client {
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Client::new(http, &self.base, Some(key))
    }
}
