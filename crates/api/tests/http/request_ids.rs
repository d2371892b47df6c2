//! Request ids: taken from the client when usable, generated otherwise,
//! answered in the `X-Request-Id` header and in problem bodies. (That every
//! log line of a request carries it is `tests/logs.rs`'s.)

use actix_web::http::header::HeaderValue;
use actix_web::test::TestRequest;

use crate::common::{Harness, call, list_integrations};

/// What a generated id looks like: 32 lowercase hex digits.
fn generated(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

#[actix_web::test]
async fn every_answer_carries_a_request_id_and_each_request_its_own() {
    let h = Harness::new().await;
    let app = h.service().await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let r = call(&app, TestRequest::get().uri("/healthz")).await;
        assert_eq!(r.status, 200);
        let id = r.header("x-request-id").expect("an X-Request-Id");
        assert!(generated(&id), "{id}");
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1]);
    let r = list_integrations(&app, &h.admin, "").await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-request-id").is_some_and(|id| generated(&id)));
}

#[actix_web::test]
async fn a_clients_id_is_answered_back_in_the_header_and_the_problem() {
    let h = Harness::new().await;
    let app = h.service().await;
    let id = "checkout-7f3a:retry=2";
    let r = call(
        &app,
        TestRequest::get()
            .uri("/api/integrations")
            .insert_header(("X-Request-Id", id)),
    )
    .await;
    let p = r.problem(401);
    assert_eq!(r.header("x-request-id").as_deref(), Some(id));
    assert_eq!(p["requestId"], id);
    // The framework's own errors too: a route that does not exist.
    let r = call(
        &app,
        TestRequest::get()
            .uri("/nowhere")
            .insert_header(("X-Request-Id", id)),
    )
    .await;
    assert_eq!(r.problem(404)["requestId"], id);
}

#[actix_web::test]
async fn an_unusable_client_id_is_replaced_by_a_new_one() {
    let h = Harness::new().await;
    let app = h.service().await;
    let too_long = "a".repeat(129);
    for sent in [
        HeaderValue::from_static(""),
        HeaderValue::from_static("two words"),
        HeaderValue::from_str(&too_long).unwrap(),
        HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap(),
    ] {
        let r = call(
            &app,
            TestRequest::get()
                .uri("/api/integrations")
                .insert_header(("X-Request-Id", sent.clone())),
        )
        .await;
        let p = r.problem(401);
        let id = p["requestId"].as_str().unwrap();
        assert!(generated(id), "{sent:?} gave {id}");
    }
    // 128 visible characters are kept as they are.
    let longest = "b".repeat(128);
    let r = call(
        &app,
        TestRequest::get()
            .uri("/healthz")
            .insert_header(("X-Request-Id", longest.as_str())),
    )
    .await;
    assert_eq!(r.header("x-request-id"), Some(longest));
}
