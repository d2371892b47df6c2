//! Delivery with the real binary: killed with SIGKILL while deliveries are
//! in flight, every accepted delivery is still delivered after a restart;
//! SIGTERM releases in-flight claims; two processes on one Postgres deliver
//! each message exactly once in the normal case.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use patchbay_storage::testing::{TestDatabase, eventually, on_both_backends};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

on_both_backends!(sigkill_loses_nothing, sigterm_releases_claims);

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
    /// Its working directory, where a first start keeps the bootstrap key.
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a server may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Server {
    /// Start the binary on `db` and wait until it accepts connections.
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
        let child = cmd
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < START_TIMEOUT,
                "the server did not start"
            );
            // The polling interval of this wait for the port.
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, port, dir }
    }

    /// The admin key a start on a fresh database keeps in its file (written
    /// before the server listens).
    fn bootstrap_key(&self) -> String {
        let file = self.dir.path().join("data/bootstrap-admin.key");
        let key = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("no bootstrap key in {} ({e})", file.display()));
        key.trim().to_string()
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
    eventually(
        "every delivery delivered",
        Duration::from_secs(60),
        || async move {
            let mut pending = Vec::new();
            for id in ids {
                let d = status_of(s, key, id).await;
                if d["status"] != "delivered" {
                    pending.push(format!("{id}: {}", d["status"]));
                }
            }
            if pending.is_empty() {
                Ok(())
            } else {
                Err(format!("not delivered: {pending:?}"))
            }
        },
    )
    .await;
}

/// Until the endpoint has received a first request (attempts are in flight).
async fn wait_for_a_request(mock: &MockServer) {
    eventually("a first request", Duration::from_secs(20), || async move {
        match mock.received_requests().await.unwrap().len() {
            0 => Err("no request yet".to_string()),
            _ => Ok(()),
        }
    })
    .await;
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
    let key = first.bootstrap_key();
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 12).await;
    // Wait until attempts are in flight, then kill the process outright.
    wait_for_a_request(&mock).await;
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

async fn sigterm_releases_claims(db: TestDatabase) {
    let mock = slow_endpoint(Duration::from_millis(3000)).await;
    // A long lease: only a release (not expiry) lets the restart resend soon.
    let extra = [
        ("PATCHBAY__DELIVERY__CONCURRENCY", "2"),
        ("PATCHBAY__DELIVERY__LEASE_MS", "600000"),
    ];
    let first = Server::start(&db, &extra);
    let key = first.bootstrap_key();
    let hook = create_webhook(&first, &key, format!("{}/hooks/slow", mock.uri())).await;
    let ids = send_many(&first, &key, &hook, 4).await;
    wait_for_a_request(&mock).await;
    let status = Command::new("kill")
        .args(["-TERM", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut first = first;
    eventually(
        "the server to exit on SIGTERM",
        Duration::from_secs(40),
        || {
            std::future::ready(match first.child.try_wait().unwrap() {
                Some(_) => Ok(()),
                None => Err("still running".to_string()),
            })
        },
    )
    .await;
    let second = Server::start(&db, &extra);
    // With a 10-minute lease, only a release on shutdown lets the second
    // process send the interrupted deliveries within the minute allowed.
    wait_all_delivered(&second, &key, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_queue() {
    let Some(db) = TestDatabase::postgres() else {
        return;
    };
    let mock = slow_endpoint(Duration::from_millis(50)).await;
    let extra = [("PATCHBAY__DELIVERY__CONCURRENCY", "4")];
    let a = Server::start(&db, &extra);
    let key = a.bootstrap_key();
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
