//! The outbound client against real local sockets and a wiremock server.
//!
//! SSRF tests use a canary: a plain TCP listener on 127.0.0.1 that counts
//! the connections it accepts. A refused request must leave it at zero.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use patchbay_provider_kit::{
    Method, OutboundClient, OutboundConfig, OutboundError, OutboundRequest, Url,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A TCP listener that counts accepted connections and answers each with
/// `response` (a raw HTTP/1.1 response).
struct Canary {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Canary {
    fn start() -> Self {
        Self::with_response(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        )
    }

    fn with_response(response: Vec<u8>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut sock, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        let response = response.clone();
                        thread::spawn(move || {
                            sock.set_nonblocking(false).ok();
                            sock.set_read_timeout(Some(Duration::from_millis(500))).ok();
                            let mut buf = [0u8; 4096];
                            let _ = sock.read(&mut buf);
                            let _ = sock.write_all(&response);
                            let _ = sock.flush();
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { addr, hits, stop }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn hits(&self) -> usize {
        // Give a connection that slipped through time to be counted.
        thread::sleep(Duration::from_millis(50));
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn config(allow: &[&str]) -> OutboundConfig {
    OutboundConfig {
        allow_private_networks: allow.iter().map(|c| c.parse().unwrap()).collect(),
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        ..OutboundConfig::default()
    }
}

fn client(allow: &[&str]) -> OutboundClient {
    OutboundClient::new(config(allow)).unwrap()
}

/// A client whose DNS answers every name with `answer`.
fn client_resolving_to(allow: &[&str], answer: &[&str]) -> OutboundClient {
    let answer: Vec<IpAddr> = answer.iter().map(|a| a.parse().unwrap()).collect();
    let lookup = move |_host: String| {
        let answer = answer.clone();
        async move { Ok(answer) }
    };
    OutboundClient::with_lookup(config(allow), Arc::new(lookup)).unwrap()
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn url_parsing_normalises_numeric_hosts_to_loopback() {
    for s in [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://127.0.0.1./",
        "http://017700000001/",
        "http://%31%32%37.0.0.1/",
        "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/",
    ] {
        assert_eq!(url(s).host_str(), Some("127.0.0.1"), "{s}");
    }
}

/// Every URL form that reaches the canary's port on loopback, or another
/// forbidden range, spelled every way the guard must see through.
fn forbidden_urls(port: u16) -> Vec<String> {
    let mut v: Vec<String> = [
        "127.0.0.1",
        "2130706433",
        "0177.0.0.1",
        "127.1",
        "0x7f000001",
        "0x7f.0.0.1",
        "017700000001",
        "%31%32%37.0.0.1",
        "\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}",
        "127.0.0.1.",
        "127.0.0.2",
        "0",
        "0.0.0.0",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::127.0.0.1]",
        "[2002:7f00:1::]",
        "[64:ff9b::127.0.0.1]",
        "[64:ff9b:1::7f00:1]",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
    ]
    .iter()
    .map(|h| format!("http://{h}:{port}/"))
    .collect();
    for h in [
        "169.254.169.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.0.1",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "198.18.0.1",
        "[fe80::1]",
        "[fc00::1]",
        "[fd00:ec2::254]",
        "[ff02::1]",
        "[2001:db8::1]",
        "[::ffff:169.254.169.254]",
        "[::ffff:a9fe:a9fe]",
        "[::ffff:10.0.0.1]",
        "[2002:a9fe:a9fe::]",
        "[2002:c0a8:101::1]",
        "[64:ff9b::169.254.169.254]",
        "[64:ff9b::10.0.0.1]",
    ] {
        v.push(format!("http://{h}/latest/meta-data/"));
        v.push(format!("https://{h}:{port}/"));
    }
    v
}

#[tokio::test]
async fn every_forbidden_literal_is_refused_and_nothing_connects() {
    let canary = Canary::start();
    let c = client(&[]);
    for s in forbidden_urls(canary.port()) {
        let u = url(&s);
        assert!(
            matches!(c.check_url(&u), Err(OutboundError::Blocked { .. })),
            "check_url let {s} through"
        );
        let r = c.send(OutboundRequest::get(u)).await;
        assert!(
            matches!(r, Err(OutboundError::Blocked { .. })),
            "send to {s} gave {r:?}"
        );
    }
    assert_eq!(canary.hits(), 0, "a forbidden request reached the listener");
}

#[tokio::test]
async fn only_http_and_https() {
    let c = client(&[]);
    for s in [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/",
        "ws://example.com/",
        "data:text/plain,hi",
    ] {
        let u = url(s);
        assert!(
            matches!(c.check_url(&u), Err(OutboundError::InvalidUrl { .. })),
            "{s}"
        );
        assert!(
            matches!(
                c.send(OutboundRequest::get(u)).await,
                Err(OutboundError::InvalidUrl { .. })
            ),
            "{s}"
        );
    }
    assert!(c.check_url(&url("https://example.com/hook")).is_ok());
    assert!(c.check_url(&url("http://8.8.8.8:8080/")).is_ok());
    assert!(c.check_url(&url("http://[2606:4700:4700::1111]/")).is_ok());
}

#[tokio::test]
async fn allow_list_lets_loopback_through() {
    let canary = Canary::start();
    let c = client(&["127.0.0.0/8"]);
    let u = url(&format!("http://127.0.0.1:{}/", canary.port()));
    assert!(c.check_url(&u).is_ok());
    let r = c.send(OutboundRequest::get(u)).await.unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(canary.hits(), 1);
    // The allow-list is exact: IPv6 loopback stays forbidden.
    assert!(matches!(
        c.check_url(&url("http://[::1]/")),
        Err(OutboundError::Blocked { .. })
    ));
}

#[tokio::test]
async fn localhost_is_refused_and_never_connected() {
    // Refused by spelling before any lookup; the resolver would refuse it as
    // well (see the resolver's `system_localhost_is_refused` unit test).
    let canary = Canary::start();
    let c = client(&[]);
    let r = c
        .send(OutboundRequest::get(url(&format!(
            "http://localhost:{}/",
            canary.port()
        ))))
        .await;
    assert!(matches!(r, Err(OutboundError::Blocked { .. })), "{r:?}");
    assert_eq!(canary.hits(), 0);
}

#[tokio::test]
async fn name_resolving_to_loopback_is_refused() {
    let canary = Canary::start();
    let c = client_resolving_to(&[], &["127.0.0.1"]);
    let u = url(&format!("http://internal.example:{}/", canary.port()));
    // Not judgeable by spelling...
    assert!(c.check_url(&u).is_ok());
    // ...but refused once resolved.
    let r = c.send(OutboundRequest::get(u)).await;
    assert_eq!(
        r.unwrap_err(),
        OutboundError::Blocked {
            reason: "loopback address"
        }
    );
    assert_eq!(canary.hits(), 0);
}

#[tokio::test]
async fn name_resolving_to_public_and_loopback_mix_is_refused() {
    let canary = Canary::start();
    for answer in [
        &["93.184.216.34", "127.0.0.1"][..],
        &["127.0.0.1", "93.184.216.34"][..],
        &["2606:2800:220:1::1", "::ffff:127.0.0.1"][..],
    ] {
        let c = client_resolving_to(&[], answer);
        let r = c
            .send(OutboundRequest::get(url(&format!(
                "http://rebind.example:{}/",
                canary.port()
            ))))
            .await;
        assert!(
            matches!(r, Err(OutboundError::Blocked { .. })),
            "{answer:?}: {r:?}"
        );
    }
    assert_eq!(canary.hits(), 0);
}

#[tokio::test]
async fn connects_to_the_vetted_address_without_a_second_lookup() {
    // `svc.test` cannot be resolved by the system: reaching the canary
    // proves the connector used our vetted answer.
    let canary = Canary::start();
    let c = client_resolving_to(&["127.0.0.0/8"], &["127.0.0.1"]);
    let r = c
        .send(OutboundRequest::get(url(&format!(
            "http://svc.test:{}/x",
            canary.port()
        ))))
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(canary.hits(), 1);
}

#[tokio::test]
async fn unresolvable_name_is_a_connect_error() {
    let lookup = |_h: String| async { Err(std::io::Error::other("no such host secret.example")) };
    let c = OutboundClient::with_lookup(config(&[]), Arc::new(lookup)).unwrap();
    let e = c
        .send(OutboundRequest::get(url("http://secret.example/")))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        OutboundError::Connect {
            message: "the host name could not be resolved".into()
        }
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn redirect_to_loopback_is_not_followed() {
    let canary = Canary::start();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/start"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("http://127.0.0.1:{}/internal", canary.port()).as_str(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    // The mock is on loopback, so loopback is allowed: only the redirect
    // policy stands between the request and the canary.
    let c = client(&["127.0.0.0/8"]);
    let r = c
        .send(OutboundRequest::get(url(&format!(
            "{}/start",
            server.uri()
        ))))
        .await;
    assert_eq!(r.unwrap_err(), OutboundError::Redirect { status: 302 });
    assert_eq!(canary.hits(), 0);
    for status in [301, 303, 307, 308] {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("location", format!("{}/elsewhere", server.uri()).as_str()),
            )
            .mount(&s)
            .await;
        let r = c.send(OutboundRequest::get(url(&s.uri()))).await;
        assert_eq!(r.unwrap_err(), OutboundError::Redirect { status });
    }
    server.verify().await;
}

#[tokio::test]
async fn sends_the_exact_request_and_reads_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/things"))
        .and(header("authorization", "Bearer tok"))
        .and(header("x-extra", "1"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"a": 1})))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("x-message-id", "m-1")
                .set_body_json(json!({"id": "t1"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&["127.0.0.0/8"]);
    let r = c
        .send(
            OutboundRequest::new(Method::POST, url(&format!("{}/v1/things", server.uri())))
                .log_target("test.things")
                .bearer_auth("tok")
                .header("x-extra", "1")
                .json(&json!({"a": 1})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    assert!(r.is_success());
    assert_eq!(r.header("x-message-id"), Some("m-1"));
    assert_eq!(r.json::<Value>().unwrap(), json!({"id": "t1"}));
    assert_eq!(r.json::<Vec<u8>>(), Err(OutboundError::Decode));
}

#[tokio::test]
async fn retry_after_header_is_parsed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&server)
        .await;
    let r = client(&["127.0.0.0/8"])
        .send(OutboundRequest::get(url(&server.uri())))
        .await
        .unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn invalid_header_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&["127.0.0.0/8"]);
    for req in [
        OutboundRequest::get(url(&server.uri())).header("bad header", "x"),
        OutboundRequest::get(url(&server.uri())).secret_header("x-token", "a\r\nb"),
    ] {
        assert!(matches!(
            c.send(req).await,
            Err(OutboundError::InvalidRequest { .. })
        ));
    }
}

#[tokio::test]
async fn total_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let c = OutboundClient::new(OutboundConfig {
        total_timeout: Duration::from_millis(300),
        ..config(&["127.0.0.0/8"])
    })
    .unwrap();
    let started = Instant::now();
    let e = c
        .send(OutboundRequest::get(url(&server.uri())))
        .await
        .unwrap_err();
    assert_eq!(e, OutboundError::Timeout);
    assert!(e.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(3));
    // A per-request timeout overrides the client's.
    let c = client(&["127.0.0.0/8"]);
    let e = c
        .send(OutboundRequest::get(url(&server.uri())).timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert_eq!(e, OutboundError::Timeout);
}

#[tokio::test]
async fn connection_refused_is_a_retryable_connect_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = client(&["127.0.0.0/8"])
        .send(OutboundRequest::get(url(&format!(
            "http://127.0.0.1:{port}/bot123:SECRET/getMe"
        ))))
        .await
        .unwrap_err();
    assert!(matches!(e, OutboundError::Connect { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(!e.to_string().contains("SECRET"), "{e}");
    assert!(!e.to_string().contains("127.0.0.1"), "{e}");
}

#[tokio::test]
async fn oversized_body_declared() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4097]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fits"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4096]))
        .mount(&server)
        .await;
    let c = OutboundClient::new(OutboundConfig {
        max_response_bytes: 4096,
        ..config(&["127.0.0.0/8"])
    })
    .unwrap();
    let e = c
        .send(OutboundRequest::get(url(&format!("{}/big", server.uri()))))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        OutboundError::TooLarge {
            status: 200,
            limit: 4096
        }
    );
    let ok = c
        .send(OutboundRequest::get(url(&format!("{}/fits", server.uri()))))
        .await
        .unwrap();
    assert_eq!(ok.body.len(), 4096);
}

#[tokio::test]
async fn oversized_body_streamed_without_length() {
    let mut response =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
            .to_vec();
    for _ in 0..20 {
        response.extend_from_slice(b"3e8\r\n");
        response.extend_from_slice(&[b'y'; 1000]);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let canary = Canary::with_response(response);
    let c = OutboundClient::new(OutboundConfig {
        max_response_bytes: 4096,
        ..config(&["127.0.0.0/8"])
    })
    .unwrap();
    let e = c
        .send(OutboundRequest::get(url(&format!(
            "http://127.0.0.1:{}/",
            canary.port()
        ))))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        OutboundError::TooLarge {
            status: 200,
            limit: 4096
        }
    );
}

/// A `tracing` writer collecting everything logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_and_errors_never_show_the_url() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let c = client(&["127.0.0.0/8"]);
    let secret_url = url(&format!(
        "{}/bot123456:SECRET-TOKEN/sendMessage?key=SECRET-Q",
        server.uri()
    ));
    let r = c
        .send(
            OutboundRequest::post(secret_url)
                .log_target("telegram.sendMessage")
                .secret_header("authorization", "Bearer SECRET-HEADER")
                .json(&json!({"text": "hi"})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    // A refused one and a failed one too.
    let blocked = c
        .send(OutboundRequest::get(url(
            "http://169.254.169.254/SECRET-PATH",
        )))
        .await
        .unwrap_err();
    assert!(!blocked.to_string().contains("SECRET"));
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let failed = c
        .send(OutboundRequest::get(url(&format!(
            "http://127.0.0.1:{dead}/SECRET-PATH"
        ))))
        .await
        .unwrap_err();
    assert!(!failed.to_string().contains("SECRET"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("telegram.sendMessage"), "{logs}");
    assert!(logs.contains("127.0.0.1"), "{logs}");
    assert!(logs.contains("POST"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
    assert!(!logs.contains("sendMessage?"), "{logs}");
}
