//! A provider type of the embedding service's own, registered beside the
//! built-in eight: an ntfy notifier (id 1001). Once registered it works as
//! a built-in type does: its config is validated with field paths, its
//! access token is sealed at rest, it is tested and sent through (with
//! retries and health), it is in the type catalogue and the OpenAPI
//! document, its changes are audited, and its rows are read again after a
//! restart that registers the same type. The ntfy server is a local mock;
//! every step is checked, and the example exits non-zero when one fails.
//!
//! Run: `cargo run -p patchbay-examples --example custom_type`

use std::time::Duration;

use actix_web::test as actix_test;
use anyhow::{Context, bail, ensure};
use async_trait::async_trait;
use patchbay_embed::domain::catalogue::{Category, FieldKind, FieldSpec, MessageLimits, TypeSpec};
use patchbay_embed::domain::delivery::DeliveryStatus;
use patchbay_embed::domain::field_rules::FieldRule;
use patchbay_embed::domain::health::HealthState;
use patchbay_embed::domain::service::{AuditListRequest, CreateIntegration, ListRequest};
use patchbay_embed::domain::validation::ValidationErrors;
use patchbay_embed::domain::{
    Config, DomainError, IntegrationType, Message, PermanentKind, Provider, ProviderContext,
    SendOutcome, TestOutcome, auth::Scopes,
};
use patchbay_embed::{DeliveryOptions, OutboundClient, Patchbay, PatchbayBuilder};
use patchbay_examples::{ScratchDatabase, example_keyring, loopback_outbound};
use patchbay_provider_kit::{
    OutboundRequest, StatusClass, Url, classify_status, config_text, config_url, join_path,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The ntfy type's catalogue entry. Ids from 1000 up are the embedder's.
fn ntfy_type() -> TypeSpec {
    TypeSpec::custom(1001, "ntfy", "ntfy", Category::Chat)
        .with_description("Push notifications through an ntfy server")
        .with_limits(MessageLimits {
            max_text_chars: Some(4096),
            max_recipients: None,
        })
        .with_field(
            FieldSpec::new(
                "serverUrl",
                FieldKind::String,
                "The ntfy server, e.g. https://ntfy.sh.",
            )
            .required()
            .rule(FieldRule::HttpUrl),
        )
        .with_field(
            FieldSpec::new("topic", FieldKind::String, "The topic to publish to.")
                .required()
                .rule(FieldRule::MaxLen(64)),
        )
        .with_field(
            FieldSpec::new(
                "accessToken",
                FieldKind::String,
                "An access token for a protected topic.",
            )
            .secret()
            .rule(FieldRule::Prefix("tk_")),
        )
}

/// The ntfy provider, on Patchbay's guarded outbound client.
struct Ntfy {
    kind: IntegrationType,
    client: OutboundClient,
}

impl Ntfy {
    fn request(&self, config: &Config, request: OutboundRequest) -> OutboundRequest {
        match config_text(config, "accessToken") {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    fn topic_url(config: &Config, suffix: &str) -> Option<Url> {
        let server = config_url(config, "serverUrl")?;
        let topic = config_text(config, "topic")?;
        join_path(&server, &format!("{topic}{suffix}"))
    }
}

#[async_trait]
impl Provider for Ntfy {
    fn kind(&self) -> IntegrationType {
        self.kind
    }

    fn validate(&self, config: &Config) -> Result<(), ValidationErrors> {
        self.client
            .validate_url("config.serverUrl", config_url(config, "serverUrl").as_ref())
    }

    async fn test(&self, _: &ProviderContext, config: &Config) -> TestOutcome {
        let Some(url) = Self::topic_url(config, "/auth") else {
            return TestOutcome::error("the server URL or topic is invalid");
        };
        let request = self.request(config, OutboundRequest::get(url).log_target("ntfy.test"));
        match self.client.exchange(request).await {
            Ok(r) if r.is_success() => TestOutcome::success("the topic accepts this token"),
            Ok(r) if matches!(r.status, 401 | 403) => {
                TestOutcome::error("the server refused the access token").with_code("unauthorized")
            }
            Ok(r) => TestOutcome::error(format!("the server answered {}", r.status)),
            Err(e) => TestOutcome::error(format!("the server could not be reached: {e}")),
        }
    }

    async fn send(&self, _: &ProviderContext, config: &Config, message: &Message) -> SendOutcome {
        let Some(url) = Self::topic_url(config, "") else {
            return SendOutcome::Permanent {
                reason: "the server URL or topic is invalid".into(),
                kind: PermanentKind::Credential,
                code: None,
            };
        };
        let mut request = OutboundRequest::post(url)
            .log_target("ntfy.send")
            .body(message.text.clone().unwrap_or_default(), "text/plain");
        if let Some(subject) = &message.subject {
            request = request.header("Title", subject);
        }
        match self.client.exchange(self.request(config, request)).await {
            Ok(r) => match classify_status(r.status) {
                StatusClass::Success => SendOutcome::Delivered {
                    provider_message_id: r
                        .json::<Value>()
                        .ok()
                        .and_then(|v| v["id"].as_str().map(String::from)),
                    hold_for: None,
                },
                StatusClass::RateLimited | StatusClass::ServerError => SendOutcome::Retryable {
                    reason: format!("the server answered {}", r.status),
                    retry_after: r.retry_after(),
                },
                _ => SendOutcome::Permanent {
                    reason: format!("the server refused the message ({})", r.status),
                    kind: if matches!(r.status, 401 | 403) {
                        PermanentKind::Credential
                    } else {
                        PermanentKind::Message
                    },
                    code: None,
                },
            },
            Err(e) => SendOutcome::Retryable {
                reason: format!("the server could not be reached: {e}"),
                retry_after: None,
            },
        }
    }
}

/// The embedder's builder: the same every start, so stored ntfy rows are
/// read again after a restart.
fn builder(database: &ScratchDatabase) -> anyhow::Result<PatchbayBuilder> {
    let mut delivery = DeliveryOptions::default();
    // Quick retries, so the example does not wait long for its second attempt.
    delivery.service.retry.base = Duration::from_millis(100);
    delivery.service.retry.jitter = 0.0;
    delivery.worker.poll_interval = Duration::from_millis(50);
    Ok(Patchbay::builder()
        .database_url(database.url())
        .keyring(example_keyring()?)
        .outbound(loopback_outbound())
        .delivery(delivery)
        .custom_type(ntfy_type(), |kind, client| Ntfy {
            kind,
            client: client.clone(),
        }))
}

const FAKE_TOKEN: &str = "tk_example_fake_token_0000";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let ntfy_server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/alerts/auth"))
        .and(header(
            "authorization",
            format!("Bearer {FAKE_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&ntfy_server)
        .await;
    // The first publish fails with a server error; the retry is accepted.
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&ntfy_server)
        .await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .and(header(
            "authorization",
            format!("Bearer {FAKE_TOKEN}").as_str(),
        ))
        .and(header("title", "Disk almost full"))
        .and(body_string("db-1 is at 91%"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "ntfy-msg-1"})))
        .expect(1)
        .mount(&ntfy_server)
        .await;

    let database = ScratchDatabase::new()?;
    let patchbay = builder(&database)?.build().await?;
    patchbay.start_workers();
    let ntfy = IntegrationType::from_slug("ntfy").context("ntfy is registered")?;
    ensure!(ntfy.id() == 1001);
    let acme = patchbay.organization("acme").await?;
    let config = |v: Value| v.as_object().cloned().unwrap_or_default();
    let create = |c: Value| CreateIntegration {
        name: "On-call pushes".into(),
        kind: ntfy,
        config: config(c),
        environment: None,
        status: None,
        is_managed: false,
    };

    // Validation by the catalogue entry, with field paths.
    match acme
        .create(create(
            json!({"serverUrl": "not a url", "accessToken": "wrong"}),
        ))
        .await
    {
        Err(DomainError::Validation(errors)) => {
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            for expected in ["config.serverUrl", "config.topic", "config.accessToken"] {
                ensure!(
                    fields.contains(&expected),
                    "no error on {expected}: {fields:?}"
                );
            }
        }
        other => bail!(
            "an invalid config was not refused: {:?}",
            other.map(|i| i.id)
        ),
    }

    let created = acme
        .create(create(json!({
            "serverUrl": ntfy_server.uri(),
            "topic": "alerts",
            "accessToken": FAKE_TOKEN,
        })))
        .await?;

    // The token is sealed at rest: the database files never hold it.
    for file in [
        database.path(),
        database.path().with_extension("sqlite3-wal"),
    ] {
        if let Ok(bytes) = std::fs::read(&file) {
            ensure!(
                !bytes
                    .windows(FAKE_TOKEN.len())
                    .any(|w| w == FAKE_TOKEN.as_bytes()),
                "{} holds the access token in the clear",
                file.display()
            );
        }
    }

    let test = acme.test(&created.id, None).await?;
    ensure!(test.outcome.is_success(), "test: {}", test.outcome.message);

    // Sent through the workers: a 503, a retry, then delivered.
    let accepted = acme
        .send(
            &created.id,
            Message {
                subject: Some("Disk almost full".into()),
                text: Some("db-1 is at 91%".into()),
                ..Message::default()
            },
            None,
            false,
        )
        .await?;
    let mut report = acme.delivery(&accepted.delivery.id).await?;
    for _ in 0..100 {
        if report.delivery.status == DeliveryStatus::Delivered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        report = acme.delivery(&accepted.delivery.id).await?;
    }
    ensure!(
        report.delivery.status == DeliveryStatus::Delivered,
        "delivery is {:?}",
        report.delivery.status
    );
    ensure!(
        report.attempts.len() == 2,
        "{} attempts",
        report.attempts.len()
    );
    ensure!(report.attempts[1].provider_message_id.as_deref() == Some("ntfy-msg-1"));
    let health = acme.get(&created.id).await?.health();
    ensure!(
        health.state == HealthState::Healthy,
        "health is {:?}",
        health.state
    );

    // The audit trail: created, then tested.
    let audit = acme.audit(AuditListRequest::default()).await?;
    let actions: Vec<String> = audit
        .items
        .iter()
        .map(|e| format!("{:?}", e.event.action))
        .collect();
    ensure!(actions.len() >= 2, "audit: {actions:?}");

    // The HTTP API knows the type: catalogue, JSON Schema, list filter, the
    // integer-id API by id 1001, and a config schema in the document.
    let (_, key) = acme.create_api_key("example", Scopes::all()).await?;
    let bearer = format!("Bearer {}", key.expose_secret());
    let api = patchbay.mount("");
    let app = actix_test::init_service(actix_web::App::new().service(api.scope())).await;
    let get = |uri: &str| {
        actix_test::TestRequest::get()
            .uri(uri)
            .insert_header(("authorization", bearer.as_str()))
            .to_request()
    };
    let entry: Value =
        actix_test::call_and_read_body_json(&app, get("/api/integration-types/ntfy")).await;
    ensure!(entry["id"] == 1001, "{entry}");
    ensure!(
        entry["configSchema"]["properties"]["accessToken"]["writeOnly"] == true,
        "{entry}"
    );
    let listed: Value =
        actix_test::call_and_read_body_json(&app, get("/api/integrations?type=ntfy")).await;
    ensure!(
        listed["data"][0]["id"] == created.id.to_string(),
        "{listed}"
    );
    ensure!(listed["data"][0]["type"] == "ntfy", "{listed}");
    let by_seq: Value =
        actix_test::call_and_read_body_json(&app, get(&format!("/integrations/{}", created.seq)))
            .await;
    ensure!(by_seq["integration"]["id"] == 1001, "{by_seq}");
    ensure!(
        api.openapi()
            .components
            .is_some_and(|c| c.schemas.contains_key("NtfyConfig")),
        "no NtfyConfig schema in the document"
    );

    // A restart that registers the same type reads its rows again.
    ensure!(
        patchbay.shutdown().await,
        "the workers did not stop in time"
    );
    drop(app);
    drop(patchbay);
    let restarted = builder(&database)?.build().await?;
    let again = restarted
        .tenant(acme.org_id().clone())
        .get(&created.id)
        .await?;
    ensure!(again.kind == ntfy);
    ensure!(
        config_text(&again.config, "accessToken") == Some(FAKE_TOKEN),
        "the token did not survive the restart"
    );
    let page = restarted
        .tenant(acme.org_id().clone())
        .list(ListRequest::default())
        .await?;
    ensure!(page.items.len() == 1);

    ntfy_server.verify().await;
    println!(
        "custom_type: ntfy validated, sealed, tested, retried and delivered, listed, audited and read after a restart"
    );
    Ok(())
}
