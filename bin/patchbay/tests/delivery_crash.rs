//! Delivery with the real binary: killed with SIGKILL while deliveries are
//! in flight, every accepted delivery is still delivered after a restart;
//! SIGTERM releases in-flight claims; two processes on one Postgres deliver
//! each message exactly once in the normal case.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use patchbay_storage::testing::TestDatabase;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_patchbay");
const TEST_KEYS: &str = "test-1:dGVzdC1rZXktMS1ub3QtYS1yZWFsLXNlY3JldCEhISE=";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    port: u16,
    /// The bootstrap key, when this start printed one.
    key: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(db: &TestDatabase, extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("PATCHBAY__") {
                cmd.env_remove(k);
            }
        }
        cmd.env("RUST_LOG", "warn")
            .env("PATCHBAY__DATABASE__URL", db.url())
            .env("PATCHBAY__HTTP__PORT", port.to_string())
            .env("PATCHBAY__HTTP__WORKERS", "2")
            .env("PATCHBAY__SECRETS__KEYS", TEST_KEYS)
            .env("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8")
            .env("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "50")
            .env("PATCHBAY__DELIVERY__RETRY_BASE_MS", "200")
            .env("PATCHBAY__DELIVERY__LEASE_MS", "3000")
            .env("PATCHBAY__DELIVERY__PACING", "false")
            .env("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "0")
            .env("PATCHBAY__DELIVERY__SHUTDOWN_GRACE_MS", "500");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // The tempdir may go: the server needs no file there.
        drop(dir);
        let started = Instant::now();
        let mut key = None;
        loop {
            while let Ok(line) = rx.try_recv() {
                if let Some(k) = line.split_whitespace().find(|w| w.starts_with("pbk_")) {
                    key = Some(k.to_string());
                }
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // The banner is printed before listening; give it a moment.
                std::thread::sleep(Duration::from_millis(100));
                while let Ok(line) = rx.try_recv() {
                    if let Some(k) = line.split_whitespace().find(|w| w.starts_with("pbk_")) {
                        key = Some(k.to_string());
                    }
                }
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, port, key }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn create_webhook(s: &Server, key: &str, url: String) -> String {
    let res = client()
        .post(s.url("/api/integrations"))
        .bearer_auth(key)
        .json(&json!({"name": "crash hook", "type": "webhook", "config": {"url": url}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send_many(s: &Server, key: &str, integration: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let res = client()
            .post(s.url(&format!("/api/integrations/{integration}/send")))
            .bearer_auth(key)
            .json(&json!({"data": {"n": i}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        ids.push(
            res.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids
}

async fn status_of(s: &Server, key: &str, id: &str) -> Value {
    client()
        .get(s.url(&format!("/api/deliveries/{id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_all_delivered(s: &Server, key: &str, ids: &[String]) {
    let started = Instant::now();
    loop {
        let mut pending = Vec::new();
        for id in ids {
            let d = status_of(s, key, id).await;
            if d["status"] != "delivered" {
                pending.push(format!("{id}: {}", d["status"]));
            }
        }
        if pending.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not delivered: {pending:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// webhook-id -> how many times the endpoint received it.
async fn received_ids(mock: &MockServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in mock.received_requests().await.unwrap() {
        let id = r.headers["webhook-id"].to_str().unwrap().to_string();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

async fn slow_endpoint(delay: Duration) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/slow"))
        .respond_with(ResponseTemplate::new(204).set_delay(delay))
        .mount(&mock)
        .await;
    mock
}

async fn sigkill_loses_nothing(db: TestDatabase) {
    let mock = slow_endpoint(Duration::from_millis(1500)).await;
    let first = Server::start(&db, &[("PATCHBAY__DELIVERY__CONCURRENCY", "4")]);
    let key = first.key.clone().expect("a fresh database prints a key");
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 12).await;
    // Wait until attempts are in flight, then kill the process outright.
    let started = Instant::now();
    while mock.received_requests().await.unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut first = first;
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();

    let second = Server::start(&db, &[("PATCHBAY__DELIVERY__CONCURRENCY", "4")]);
    wait_all_delivered(&second, &key, &ids).await;
    let seen = received_ids(&mock).await;
    for id in &ids {
        assert!(seen.contains_key(id), "{id} never reached the endpoint");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_nothing_sqlite() {
    sigkill_loses_nothing(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_nothing_postgres() {
    if let Some(db) = TestDatabase::postgres() {
        sigkill_loses_nothing(db).await;
    }
}

async fn sigterm_releases_claims(db: TestDatabase) {
    let mock = slow_endpoint(Duration::from_millis(3000)).await;
    // A long lease: only a release (not expiry) lets the restart resend soon.
    let extra = [
        ("PATCHBAY__DELIVERY__CONCURRENCY", "2"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "600000"),
    ];
    let first = Server::start(&db, &extra);
    let key = first.key.clone().unwrap();
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 4).await;
    let started = Instant::now();
    while mock.received_requests().await.unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = Command::new("kill")
        .args(["-TERM", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut first = first;
    let exited = Instant::now();
    loop {
        if first.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            exited.elapsed() < Duration::from_secs(40),
            "SIGTERM did not stop the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = Server::start(&db, &extra);
    // With a 10-minute lease, only a release on shutdown lets the second
    // process send the interrupted deliveries within the minute allowed.
    wait_all_delivered(&second, &key, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_releases_claims_sqlite() {
    sigterm_releases_claims(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_releases_claims_postgres() {
    if let Some(db) = TestDatabase::postgres() {
        sigterm_releases_claims(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_queue() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let mock = slow_endpoint(Duration::from_millis(50)).await;
    let extra = [("PATCHBAY__DELIVERY__CONCURRENCY", "4")];
    let a = Server::start(&db, &extra);
    let key = a.key.clone().unwrap();
    let b = Server::start(&db, &extra);
    let hook = create_webhook(&a, &key, format!("{}/hooks/slow", mock.uri())).await;
    // Half the sends through each process.
    let mut ids = send_many(&a, &key, &hook, 20).await;
    ids.extend(send_many(&b, &key, &hook, 20).await);
    wait_all_delivered(&a, &key, &ids).await;
    let seen = received_ids(&mock).await;
    let expected: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(seen.keys().collect::<BTreeSet<_>>(), expected);
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(dupes.is_empty(), "delivered more than once: {dupes:?}");
    // Every delivery took exactly one attempt.
    for id in &ids {
        let d = status_of(&b, &key, id).await;
        assert_eq!(d["attemptCount"], 1, "{d}");
    }
}
