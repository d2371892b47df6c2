//! What the binary's process tests share: the real binary started on a
//! test database with quick delivery settings, its bootstrap key, HTTP
//! helpers and a slow mock endpoint; `command` runs it as an operator does.

#![allow(dead_code, clippy::unwrap_used)]

pub mod command;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use patchbay_storage::testing::{TestDatabase, eventually};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const BIN: &str = env!("CARGO_BIN_EXE_patchbay");
pub const TEST_KEYS: &str = "test-1:dGVzdC1rZXktMS1ub3QtYS1yZWFsLXNlY3JldCEhISE=";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub port: u16,
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
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Server {
    /// Start the binary on `db` and wait until it accepts connections.
    pub fn start(db: &TestDatabase, extra: &[(&str, &str)]) -> Server {
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

    /// The admin key a start on a fresh database keeps in its file. The
    /// port accepts connections a moment before the key is written, so
    /// this waits for the file (bounded).
    pub fn bootstrap_key(&self) -> String {
        let file = self.dir.path().join("data/bootstrap-admin.key");
        let started = Instant::now();
        loop {
            if let Ok(key) = std::fs::read_to_string(&file) {
                return key.trim().to_string();
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "no bootstrap key in {}",
                file.display()
            );
            // The polling interval of this wait for the file.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn create_webhook(s: &Server, key: &str, url: String) -> String {
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

pub async fn send_many(s: &Server, key: &str, integration: &str, n: usize) -> Vec<String> {
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

pub async fn status_of(s: &Server, key: &str, id: &str) -> Value {
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

pub async fn wait_all_delivered(s: &Server, key: &str, ids: &[String]) {
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
pub async fn wait_for_a_request(mock: &MockServer) {
    eventually("a first request", Duration::from_secs(20), || async move {
        match mock.received_requests().await.unwrap().len() {
            0 => Err("no request yet".to_string()),
            _ => Ok(()),
        }
    })
    .await;
}

/// webhook-id -> how many times the endpoint received it.
pub async fn received_ids(mock: &MockServer) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in mock.received_requests().await.unwrap() {
        let id = r.headers["webhook-id"].to_str().unwrap().to_string();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

pub async fn slow_endpoint(delay: Duration) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/slow"))
        .respond_with(ResponseTemplate::new(204).set_delay(delay))
        .mount(&mock)
        .await;
    mock
}

impl Server {
    /// Send SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Until the process has exited (fails the test after `within`);
    /// returns how long that took.
    pub async fn wait_for_exit(&mut self, within: Duration) -> Duration {
        let started = Instant::now();
        let child = &mut self.child;
        eventually("the server to exit", within, || {
            std::future::ready(match child.try_wait().unwrap() {
                Some(_) => Ok(()),
                None => Err("still running".to_string()),
            })
        })
        .await;
        started.elapsed()
    }
}
