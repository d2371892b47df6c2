//! Patchbay with no HTTP at all: SQLite, one organization, a webhook
//! integration created, tested with a real request, a message sent through
//! it by the delivery workers, and the delivery read back. The webhook
//! receiver is a local mock this example starts; every step is checked,
//! and the example exits non-zero when one fails.
//!
//! Run: `cargo run -p patchbay-examples --example without_http`

use anyhow::{Context, ensure};
use patchbay_embed::Patchbay;
use patchbay_embed::domain::delivery::DeliveryStatus;
use patchbay_embed::domain::service::CreateIntegration;
use patchbay_embed::domain::{IntegrationType, Message, TestStatus};
use patchbay_examples::{ScratchDatabase, example_keyring, loopback_outbound};
use serde_json::json;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The receiving end: answers 204 to signed POSTs on /hooks/orders.
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/orders"))
        .and(header_exists("webhook-signature"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2) // the test event, then the message
        .mount(&receiver)
        .await;

    let database = ScratchDatabase::new()?;
    let patchbay = Patchbay::builder()
        .database_url(database.url())
        .keyring(example_keyring()?)
        .outbound(loopback_outbound())
        .build()
        .await?;
    patchbay.start_workers();

    let acme = patchbay.organization("acme").await?;
    let hook = acme
        .create(CreateIntegration {
            name: "Order events".into(),
            kind: IntegrationType::Webhook,
            config: json!({"url": format!("{}/hooks/orders", receiver.uri())})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            environment: None,
            status: None,
            is_managed: false,
        })
        .await?;
    // Patchbay generated a signing secret; it is stored sealed.
    ensure!(
        hook.config.contains("signingSecret"),
        "no signing secret was generated"
    );

    let test = acme.test(&hook.id, None).await?;
    ensure!(
        test.outcome.status == TestStatus::Success,
        "the test failed: {}",
        test.outcome.message
    );

    let accepted = acme
        .send(
            &hook.id,
            Message {
                text: Some("Order 1042 shipped".into()),
                event_type: Some("order.shipped".into()),
                ..Message::default()
            },
            None,
            true, // wait for the first attempt
        )
        .await?;
    let report = acme.delivery(&accepted.delivery.id).await?;
    ensure!(
        report.delivery.status == DeliveryStatus::Delivered,
        "the delivery is {:?}",
        report.delivery.status
    );
    ensure!(report.attempts.len() == 1, "expected one attempt");

    // What the receiver got: the message as a signed event.
    let received = receiver
        .received_requests()
        .await
        .context("the mock records requests")?;
    let body: serde_json::Value = serde_json::from_slice(&received[1].body)?;
    ensure!(body["type"] == "order.shipped", "unexpected event: {body}");
    ensure!(
        body["data"]["text"] == "Order 1042 shipped",
        "unexpected event: {body}"
    );

    // Another organization sees none of it.
    let other = patchbay.organization("globex").await?;
    ensure!(
        other.get(&hook.id).await.is_err(),
        "another organization read acme's integration"
    );

    ensure!(
        patchbay.shutdown().await,
        "the workers did not stop in time"
    );
    receiver.verify().await;
    println!(
        "without_http: created, tested and delivered through {} ({} attempt)",
        hook.id,
        report.attempts.len()
    );
    Ok(())
}
