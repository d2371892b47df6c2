//! Requests the HTTP layer refuses before the app sees them — a garbage
//! request line, a URI or a header section too large, a request head that
//! does not arrive in time — answer problem+json like every other error, on
//! the real server over raw TCP. The database plays no part: SQLite only.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase};

/// One answer read off a raw connection.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    /// Header lines, names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A problem+json answer of this status and type, framed by its
    /// `Content-Length`, on a connection the server closes.
    #[track_caller]
    fn assert_problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(
            self.header("content-length"),
            Some(self.body.len().to_string().as_str()),
            "{self:?}"
        );
        assert_eq!(self.header("connection"), Some("close"), "{self:?}");
        let p: Value = serde_json::from_slice(&self.body).unwrap();
        assert_eq!(p["type"], format!("/problems/{kind}"), "{p}");
        assert_eq!(p["status"], status, "{p}");
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        p
    }
}

/// Write `request` on a new connection (the server may answer and close
/// before reading it all) and read every answer until the server closes.
fn exchange(base: &str, request: &[u8], pause_after_write: bool) -> Vec<RawAnswer> {
    let addr = base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.write_all(request);
    if !pause_after_write {
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_answers(&raw)
}

fn parse_answers(mut raw: &[u8]) -> Vec<RawAnswer> {
    let mut answers = Vec::new();
    while !raw.is_empty() {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("a whole head: {}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a status line: {head}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let rest = &raw[end + 4..];
        assert!(rest.len() >= length, "a whole body: {head}");
        answers.push(RawAnswer {
            status,
            headers,
            body: rest[..length].to_vec(),
        });
        raw = &rest[length..];
    }
    answers
}

async fn only_answer(base: &str, request: Vec<u8>) -> RawAnswer {
    let base = base.to_string();
    let mut answers = tokio::task::spawn_blocking(move || exchange(&base, &request, false))
        .await
        .unwrap();
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_of_the_http_layer_are_problems() {
    let app = TestApp::spawn(TestDatabase::sqlite()).await;
    let base = app.base.as_str();

    let garbage = only_answer(base, b"GARBAGE\r\n\r\n".to_vec()).await;
    garbage.assert_problem(400, "bad-request");
    let tls_hello = only_answer(base, vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]).await;
    tls_hello.assert_problem(400, "bad-request");

    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    only_answer(base, long_uri.into_bytes())
        .await
        .assert_problem(400, "bad-request");

    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(140_000)
    );
    only_answer(base, big_header.into_bytes())
        .await
        .assert_problem(431, "headers-too-large");
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..100)
            .map(|n| format!("X-H{n}: v\r\n"))
            .collect::<String>()
    );
    only_answer(base, many_headers.into_bytes())
        .await
        .assert_problem(431, "headers-too-large");

    // After an answered request on the same connection, too: the first
    // answer is untouched.
    let base_owned = base.to_string();
    let answers = tokio::task::spawn_blocking(move || {
        exchange(
            &base_owned,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n",
            false,
        )
    })
    .await
    .unwrap();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].status, 200);
    assert_eq!(answers[0].body, br#"{"status":"ok"}"#);
    answers[1].assert_problem(400, "bad-request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_does_not_arrive_in_time_is_a_problem() {
    let app = TestApp::spawn_with(
        TestDatabase::sqlite(),
        &[("PATCHBAY__HTTP__CLIENT_REQUEST_TIMEOUT_MS", "500")],
    )
    .await;
    let base = app.base.clone();
    let started = Instant::now();
    let mut answers = tokio::task::spawn_blocking(move || {
        // The head's last line never comes.
        exchange(&base, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", true)
    })
    .await
    .unwrap();
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0).assert_problem(408, "request-timeout");
    assert!(started.elapsed() < Duration::from_secs(15));
}
