//! Refused API keys cost no database load past the first: an unknown key
//! is answered from memory when presented again, and an address that keeps
//! presenting refused keys is answered 429 with `Retry-After` before any
//! lookup. The clock is injected: nothing here waits.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::test::TestRequest;
use patchbay_api::{ApiConfig, FailedAuthentications, TrustedProxies};

use crate::common::{Harness, Reply, TestApp, call};

/// A clock that moves only when told to, in seconds.
struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

/// A harness whose refused-key bookkeeping runs on a manual clock.
async fn harness(config: ApiConfig) -> (Harness, ManualClock) {
    let mut h = Harness::with_config(config).await;
    let start = Instant::now();
    let secs = Arc::new(AtomicU64::new(0));
    let now = secs.clone();
    h.state.failed_auth = Arc::new(FailedAuthentications::with_clock(Arc::new(move || {
        start + Duration::from_secs(now.load(Ordering::SeqCst))
    })));
    (h, ManualClock(secs))
}

fn limited(limit: u32) -> ApiConfig {
    ApiConfig {
        auth_failure_limit: limit,
        auth_failure_window: Duration::from_secs(60),
        ..ApiConfig::default()
    }
}

/// A well-formed key that was never issued.
fn unknown_key() -> String {
    let key = patchbay_domain::auth::NewApiKey::generate();
    secrecy::ExposeSecret::expose_secret(&key.plaintext).to_string()
}

fn peer(addr: &str) -> SocketAddr {
    format!("{addr}:40000").parse().unwrap()
}

/// `GET /api/integrations` from `from` with this bearer token.
async fn list_from(app: &TestApp, from: &str, token: &str) -> Reply {
    list_with(app, TestRequest::default().peer_addr(peer(from)), token).await
}

async fn list_with(app: &TestApp, req: TestRequest, token: &str) -> Reply {
    let req = req
        .uri("/api/integrations")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    call(app, req).await
}

fn lookups(h: &Harness) -> usize {
    h.tenants.lookups.load(Ordering::SeqCst)
}

#[actix_web::test]
async fn an_unknown_key_presented_again_is_refused_without_a_lookup() {
    let (h, _clock) = harness(limited(0)).await;
    let app = h.service().await;
    let key = unknown_key();
    let before = lookups(&h);
    for _ in 0..5 {
        list_from(&app, "203.0.113.7", &key).await.problem(401);
    }
    assert_eq!(lookups(&h) - before, 1);
    // A revoked key likewise, once found revoked.
    let revoked = h.key("acme", &[patchbay_domain::auth::Scope::Read]).await;
    h.tenants.revoke_api_key_now(&revoked.id).await;
    let before = lookups(&h);
    for _ in 0..3 {
        list_from(&app, "203.0.113.7", &revoked.plaintext)
            .await
            .problem(401);
    }
    assert_eq!(lookups(&h) - before, 1);
}

#[actix_web::test]
async fn past_the_limit_an_address_is_answered_429_until_its_window_ends() {
    let (h, clock) = harness(limited(3)).await;
    let app = h.service().await;
    let attacker = "203.0.113.7";
    for _ in 0..3 {
        list_from(&app, attacker, &unknown_key()).await.problem(401);
    }
    let before = lookups(&h);
    let r = list_from(&app, attacker, &unknown_key()).await;
    let p = r.problem(429);
    assert_eq!(p["type"], "/problems/too-many-requests");
    assert_eq!(r.header("retry-after").as_deref(), Some("60"));
    // Every request that needs a key, even a valid one, until the window
    // ends; none reaches the store.
    list_from(&app, attacker, &h.admin.plaintext)
        .await
        .problem(429);
    assert_eq!(lookups(&h), before);
    // Another address is unaffected.
    list_from(&app, "198.51.100.1", &h.admin.plaintext)
        .await
        .expect(200);

    clock.advance(45);
    let r = list_from(&app, attacker, &unknown_key()).await;
    r.problem(429);
    assert_eq!(r.header("retry-after").as_deref(), Some("15"));
    clock.advance(15);
    list_from(&app, attacker, &h.admin.plaintext)
        .await
        .expect(200);
}

#[actix_web::test]
async fn only_refused_keys_count_towards_the_limit() {
    let (h, _clock) = harness(limited(2)).await;
    let app = h.service().await;
    let from = "203.0.113.7";
    for _ in 0..5 {
        // No key, or not a Bearer credential: nothing to look up.
        let req = TestRequest::get()
            .uri("/api/integrations")
            .peer_addr(peer(from));
        call(&app, req).await.problem(401);
        let req = TestRequest::get()
            .uri("/api/integrations")
            .peer_addr(peer(from))
            .insert_header((header::AUTHORIZATION, "Basic dXNlcjpwYXNz"));
        call(&app, req).await.problem(401);
        list_from(&app, from, &h.admin.plaintext).await.expect(200);
    }
    list_from(&app, from, "not-a-key").await.problem(401);
    list_from(&app, from, &unknown_key()).await.problem(401);
    list_from(&app, from, &h.admin.plaintext).await.problem(429);
}

#[actix_web::test]
async fn zero_turns_the_limit_off() {
    let (h, _clock) = harness(limited(0)).await;
    let app = h.service().await;
    for _ in 0..50 {
        list_from(&app, "203.0.113.7", &unknown_key())
            .await
            .problem(401);
    }
    list_from(&app, "203.0.113.7", &h.admin.plaintext)
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_limit_is_per_peer_unless_the_peer_is_a_trusted_proxy() {
    let proxy = "10.0.0.2";
    let forwarded_for = |client: &str| {
        TestRequest::default()
            .peer_addr(peer(proxy))
            .insert_header(("x-forwarded-for", client.to_string()))
    };
    // Untrusted: X-Forwarded-For is the client's say-so and is ignored, so
    // a client cannot spread its failures over invented addresses.
    let (h, _clock) = harness(limited(2)).await;
    let app = h.service().await;
    for client in ["198.51.100.1", "198.51.100.2"] {
        list_with(&app, forwarded_for(client), &unknown_key())
            .await
            .problem(401);
    }
    list_with(&app, forwarded_for("198.51.100.3"), &h.admin.plaintext)
        .await
        .problem(429);

    // Trusted: each forwarded client has its own count.
    let (h, _clock) = harness(ApiConfig {
        trusted_proxies: TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]),
        ..limited(2)
    })
    .await;
    let app = h.service().await;
    for _ in 0..2 {
        list_with(&app, forwarded_for("198.51.100.1"), &unknown_key())
            .await
            .problem(401);
    }
    list_with(&app, forwarded_for("198.51.100.1"), &h.admin.plaintext)
        .await
        .problem(429);
    list_with(&app, forwarded_for("198.51.100.2"), &h.admin.plaintext)
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_limit_holds_across_workers() {
    // Each worker builds its own app from the same state.
    let (h, _clock) = harness(limited(2)).await;
    let first = h.service().await;
    let second = h.service().await;
    list_from(&first, "203.0.113.7", &unknown_key())
        .await
        .problem(401);
    list_from(&second, "203.0.113.7", &unknown_key())
        .await
        .problem(401);
    list_from(&first, "203.0.113.7", &h.admin.plaintext)
        .await
        .problem(429);
}

/// IPv6 clients are counted by their /64, so an address of their own each
/// does not multiply their allowance.
#[actix_web::test]
async fn an_ipv6_client_is_counted_by_its_64() {
    let (h, _clock) = harness(limited(2)).await;
    let app = h.service().await;
    for addr in ["[2001:db8:1:2::a]", "[2001:db8:1:2::b]"] {
        list_from(&app, addr, &unknown_key()).await.problem(401);
    }
    list_from(&app, "[2001:db8:1:2::c]", &h.admin.plaintext)
        .await
        .problem(429);
    list_from(&app, "[2001:db8:1:3::a]", &h.admin.plaintext)
        .await
        .expect(200);
}
