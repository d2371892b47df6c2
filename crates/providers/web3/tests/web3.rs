//! The web3 provider against a wiremock JSON-RPC endpoint: the exact
//! requests, chain and balance checks, and every failure's message.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use patchbay_domain::{
    Config, Environment, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SecretValue, SendOutcome, TestOutcome, TestStatus,
};
use patchbay_provider_kit::testing::{client_config, closed_port, impatient_config};
use patchbay_provider_kit::{OutboundClient, OutboundConfig};
use patchbay_provider_web3::Web3Provider;
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The API key embedded in the RPC URL: must never appear in a message.
const URL_KEY: &str = "CANARYrpcKey0123456789";
const BODY_CANARY: &str = "SECRET-BODY-TEXT";
const WALLET: &str = "0x52908400098527886E0F7030069857D2E4169EE7";

fn provider() -> Web3Provider {
    Web3Provider::new(OutboundClient::new(client_config()).unwrap())
}

fn rpc_path() -> String {
    format!("/v2/{URL_KEY}")
}

fn config(server: &MockServer, chain_id: u64, wallet: Option<&str>) -> Config {
    let mut c = Config::new();
    c.insert_secret(
        "rpcUrl",
        SecretValue::from_json(&json!(format!("{}{}", server.uri(), rpc_path()))),
    );
    c.insert_plain("chainId", json!(chain_id));
    if let Some(w) = wallet {
        c.insert_plain("walletAddress", json!(w));
    }
    c
}

fn ctx() -> ProviderContext {
    ProviderContext {
        environment: Environment::Production,
        integration_id: None,
        message_id: None,
    }
}

fn rpc_result(id: u64, result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

fn assert_clean(t: &TestOutcome) {
    assert!(
        !t.message.contains("CANARY"),
        "URL key leaked: {}",
        t.message
    );
    assert!(
        !t.message.contains(BODY_CANARY),
        "body leaked: {}",
        t.message
    );
    assert!(
        !t.message.contains("127.0.0.1"),
        "URL leaked: {}",
        t.message
    );
}

async fn mount_chain_id(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(rpc_path()))
        .and(body_partial_json(json!({"method": "eth_chainId"})))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Test against an endpoint whose eth_chainId answers `response`.
async fn test_against(response: ResponseTemplate) -> TestOutcome {
    let server = MockServer::start().await;
    mount_chain_id(&server, response).await;
    let t = provider().test(&ctx(), &config(&server, 1, None)).await;
    assert_clean(&t);
    t
}

#[tokio::test]
async fn test_sends_eth_chain_id_and_matches_the_chain() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(rpc_path()))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"jsonrpc": "2.0", "method": "eth_chainId", "params": [], "id": 1}),
        ))
        .respond_with(rpc_result(1, json!("0x1")))
        .expect(1)
        .mount(&server)
        .await;
    let t = provider().test(&ctx(), &config(&server, 1, None)).await;
    assert_eq!(t.status, TestStatus::Success, "{t:?}");
    assert_eq!(
        t.message,
        "the RPC endpoint is reachable and serves chain 1 (Ethereum mainnet)"
    );
    assert_clean(&t);
    server.verify().await;
}

#[tokio::test]
async fn a_different_chain_is_a_mismatch_naming_both() {
    let t = test_against(rpc_result(1, json!("0xaa36a7"))).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("chain_mismatch"));
    assert_eq!(
        t.message,
        "the RPC endpoint serves chain 11155111 (Sepolia) but this integration expects chain 1 (Ethereum mainnet)"
    );
}

#[tokio::test]
async fn wallet_balance_is_read_and_formatted_exactly() {
    let cases = [
        ("0x0de0b6b3a7640000", "1000000000000000000 wei (1 ETH)"),
        ("0x0", "0 wei (0 ETH)"),
        (
            "0x112210f47de98115",
            "1234567890123456789 wei (1.234567 ETH)",
        ),
        ("0x3e8", "1000 wei (less than 0.000001 ETH)"),
        (
            // 2^128: beyond u128.
            "0x100000000000000000000000000000000",
            "340282366920938463463374607431768211456 wei (340282366920938463463.374607 ETH)",
        ),
    ];
    for (hex, shown) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(rpc_path()))
            .and(body_json(
                json!({"jsonrpc": "2.0", "method": "eth_chainId", "params": [], "id": 1}),
            ))
            .respond_with(rpc_result(1, json!("0x1")))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(rpc_path()))
            .and(header("content-type", "application/json"))
            .and(body_json(json!({
                "jsonrpc": "2.0",
                "method": "eth_getBalance",
                "params": [WALLET, "latest"],
                "id": 2
            })))
            .respond_with(rpc_result(2, json!(hex)))
            .expect(1)
            .mount(&server)
            .await;
        let t = provider()
            .test(&ctx(), &config(&server, 1, Some(WALLET)))
            .await;
        assert_eq!(t.status, TestStatus::Success, "{t:?}");
        assert!(t.message.contains(shown), "{hex}: {}", t.message);
        assert!(t.message.contains(WALLET), "{}", t.message);
        assert_clean(&t);
        server.verify().await;
    }
}

#[tokio::test]
async fn json_rpc_errors_are_named_by_code() {
    let t = test_against(ResponseTemplate::new(200).set_body_json(json!({
        "jsonrpc": "2.0", "id": 1,
        "error": {"code": -32601, "message": format!("the method eth_chainId does not exist {BODY_CANARY}")}
    })))
    .await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("-32601"));
    assert_eq!(
        t.message,
        "the RPC endpoint answered eth_chainId with JSON-RPC error -32601 (method not found)"
    );

    // On the balance call, after the chain matched.
    let server = MockServer::start().await;
    mount_chain_id(&server, rpc_result(1, json!("0x1"))).await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "eth_getBalance"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "jsonrpc": "2.0", "id": 2,
            "error": {"code": -32602, "message": BODY_CANARY}
        })))
        .mount(&server)
        .await;
    let t = provider()
        .test(&ctx(), &config(&server, 1, Some(WALLET)))
        .await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("-32602"));
    assert!(
        t.message.contains("wallet balance could not be read"),
        "{}",
        t.message
    );
    assert!(
        t.message.contains("-32602 (invalid params)"),
        "{}",
        t.message
    );
    assert_clean(&t);

    // Server-range codes, and a code-less error.
    let t = test_against(ResponseTemplate::new(200).set_body_json(
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "limit"}}),
    ))
    .await;
    assert!(t.message.contains("-32005 (server error)"), "{}", t.message);
    let t = test_against(
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "error": {"message": BODY_CANARY}})),
    )
    .await;
    assert_eq!(t.code.as_deref(), Some("rpc_error"));
}

#[tokio::test]
async fn http_failures_have_clear_messages() {
    let cases = [
        (401, "unauthorized", "401 Unauthorized"),
        (403, "unauthorized", "403 Forbidden"),
        (404, "not_found", "404 Not Found"),
        (429, "rate_limited", "429 Too Many Requests"),
        (500, "server_error", "500 Internal Server Error"),
        (503, "server_error", "503 Service Unavailable"),
        (400, "rejected", "400 Bad Request"),
    ];
    for (status, code, text) in cases {
        let t = test_against(ResponseTemplate::new(status).set_body_string(BODY_CANARY)).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some(code), "{status}");
        assert!(t.message.contains(text), "{status}: {}", t.message);
    }
    // A JSON-RPC error inside an HTTP error is named too.
    let t = test_against(ResponseTemplate::new(429).set_body_json(
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": BODY_CANARY}}),
    ))
    .await;
    assert_eq!(t.code.as_deref(), Some("rate_limited"));
    assert!(t.message.contains("-32005"), "{}", t.message);
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    for r in [
        ResponseTemplate::new(200).set_body_string(format!("<html>{BODY_CANARY}</html>")),
        ResponseTemplate::new(200),
        ResponseTemplate::new(200)
            .set_body_json(json!([{"jsonrpc": "2.0", "id": 1, "result": "0x1"}])),
        ResponseTemplate::new(200).set_body_json(json!({"jsonrpc": "2.0", "id": 1})),
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": null})),
    ] {
        let t = test_against(r).await;
        assert_eq!(t.status, TestStatus::Error);
        assert_eq!(t.code.as_deref(), Some("invalid_response"), "{}", t.message);
    }
    for bad in [
        json!(1),
        json!("1"),
        json!("0xzz"),
        json!({"chainId": "0x1"}),
    ] {
        let t = test_against(rpc_result(1, bad)).await;
        assert_eq!(t.code.as_deref(), Some("invalid_response"));
        assert!(t.message.contains("not a chain id"), "{}", t.message);
    }
    // A malformed balance.
    let server = MockServer::start().await;
    mount_chain_id(&server, rpc_result(1, json!("0x1"))).await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "eth_getBalance"})))
        .respond_with(rpc_result(2, json!("lots")))
        .mount(&server)
        .await;
    let t = provider()
        .test(&ctx(), &config(&server, 1, Some(WALLET)))
        .await;
    assert_eq!(t.code.as_deref(), Some("invalid_response"));
    assert!(t.message.contains("not a balance"), "{}", t.message);
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_clear_errors() {
    let server = MockServer::start().await;
    mount_chain_id(
        &server,
        rpc_result(1, json!("0x1")).set_delay(Duration::from_secs(3)),
    )
    .await;
    let p = Web3Provider::new(OutboundClient::new(impatient_config()).unwrap());
    let t = p.test(&ctx(), &config(&server, 1, None)).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("timeout"));
    assert_eq!(
        t.message,
        "the RPC endpoint did not answer eth_chainId within 300 ms"
    );

    let port = closed_port();
    let mut c = Config::new();
    c.insert_secret(
        "rpcUrl",
        SecretValue::from_json(&json!(format!("http://127.0.0.1:{port}/v2/{URL_KEY}"))),
    );
    c.insert_plain("chainId", json!(1));
    let t = provider().test(&ctx(), &c).await;
    assert_eq!(t.code.as_deref(), Some("connect_failed"));
    assert!(t.message.contains("connection refused"), "{}", t.message);
    assert_clean(&t);
}

#[tokio::test]
async fn send_is_refused_without_any_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(rpc_result(1, json!("0x1")))
        .expect(0)
        .mount(&server)
        .await;
    let message = Message {
        subject: Some("hi".into()),
        text: Some("hello".into()),
        to: vec!["0x52908400098527886E0F7030069857D2E4169EE7".into()],
        ..Message::default()
    };
    let o = provider()
        .send(&ctx(), &config(&server, 1, Some(WALLET)), &message)
        .await;
    let SendOutcome::Permanent { reason, kind, code } = o else {
        panic!("{o:?}");
    };
    assert_eq!(kind, PermanentKind::Unsupported);
    assert_eq!(code.as_deref(), Some("unsupported"));
    assert!(reason.contains("cannot send"), "{reason}");
    assert!(!reason.contains("CANARY"));
    server.verify().await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn forbidden_hosts_are_refused_at_validation_and_at_test() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(rpc_result(1, json!("0x1")))
        .expect(0)
        .mount(&server)
        .await;
    let guarded = Web3Provider::new(OutboundClient::new(OutboundConfig::default()).unwrap());
    assert_eq!(guarded.kind(), IntegrationType::Web3);
    let c = config(&server, 1, None);
    let errors = guarded.validate(&c).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].field, "config.rpcUrl");
    assert!(errors.0[0].message.contains("may not call"), "{:?}", errors);
    assert!(!errors.0[0].message.contains("CANARY"));

    let t = guarded.test(&ctx(), &c).await;
    assert_eq!(t.status, TestStatus::Error);
    assert_eq!(t.code.as_deref(), Some("blocked_address"));
    assert_clean(&t);
    server.verify().await;

    for url in [
        "http://169.254.169.254/latest",
        "http://10.1.2.3:8545",
        "http://[::1]:8545",
        "http://localhost:8545",
    ] {
        let mut c = Config::new();
        c.insert_secret("rpcUrl", SecretValue::from_json(&json!(url)));
        c.insert_plain("chainId", json!(1));
        assert!(guarded.validate(&c).is_err(), "{url}");
    }
    let mut c = Config::new();
    c.insert_secret(
        "rpcUrl",
        SecretValue::from_json(&json!(format!(
            "https://eth-mainnet.example.com/v2/{URL_KEY}"
        ))),
    );
    c.insert_plain("chainId", json!(1));
    assert!(guarded.validate(&c).is_ok());
}
