//! The HTTP API mounted inside a host's own actix-web application, under
//! the host's prefix (`/notify`) and with the host's own authentication:
//! the host maps its users (here an `X-Host-User` header its gateway sets)
//! to a Patchbay organization and scopes. The host keeps its own routes.
//! A local mock stands in for the webhook receiver; every answer is
//! checked, and the example exits non-zero when one is wrong.
//!
//! Run: `cargo run -p patchbay-examples --example mounted_api`

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::ensure;
use patchbay_api::{ApiError, Authenticate, Principal, ProblemKind};
use patchbay_embed::Patchbay;
use patchbay_embed::domain::OrgId;
use patchbay_embed::domain::auth::Scopes;
use patchbay_examples::{ScratchDatabase, example_keyring, loopback_outbound};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The host's authentication: its users, each in one organization with
/// some scopes.
struct HostUsers(HashMap<&'static str, (OrgId, Scopes)>);

#[async_trait::async_trait(?Send)]
impl Authenticate for HostUsers {
    async fn authenticate(&self, req: &HttpRequest) -> Result<Principal, ApiError> {
        let user = req
            .headers()
            .get("x-host-user")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::new(ProblemKind::Unauthorized, "Sign in to the host first.")
            })?;
        let (org, scopes) = self
            .0
            .get(user)
            .ok_or_else(|| ApiError::new(ProblemKind::Unauthorized, "Unknown user."))?;
        Ok(Principal::host(org.clone(), scopes.clone(), user))
    }
}

async fn host_home() -> HttpResponse {
    HttpResponse::Ok().body("the host's own page")
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
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
    let users = HostUsers(HashMap::from([
        ("alice", (acme.org_id().clone(), Scopes::all())),
        (
            "bob",
            (
                acme.org_id().clone(),
                Scopes::parse_csv("read").map_err(anyhow::Error::msg)?,
            ),
        ),
    ]));
    let api = patchbay.mount("/notify").authenticator(Arc::new(users));
    let server = HttpServer::new(move || {
        App::new()
            .route("/", web::get().to(host_home))
            .service(api.scope())
    })
    .workers(1)
    .bind(("127.0.0.1", 0))?;
    let base = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    let serving = tokio::spawn(server);

    let http = reqwest::Client::new();
    let as_user = |req: reqwest::RequestBuilder, user: &str| req.header("x-host-user", user);

    // The host's own route is untouched.
    let home = http.get(format!("{base}/")).send().await?;
    ensure!(home.text().await? == "the host's own page");

    // No host session: the host's refusal, as a problem.
    let anonymous = http
        .get(format!("{base}/notify/api/integrations"))
        .send()
        .await?;
    ensure!(anonymous.status() == 401, "got {}", anonymous.status());
    let problem: Value = anonymous.json().await?;
    ensure!(
        problem["detail"] == "Sign in to the host first.",
        "{problem}"
    );

    // Alice creates a webhook integration; its Location carries the prefix.
    let created = as_user(
        http.post(format!("{base}/notify/api/integrations")),
        "alice",
    )
    .json(&json!({
        "name": "Deploys",
        "type": "webhook",
        "config": {"url": format!("{}/deploys", receiver.uri())},
    }))
    .send()
    .await?;
    ensure!(
        created.status() == 201,
        "create answered {}",
        created.status()
    );
    let location = created
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = created.json().await?;
    let id = body["id"].as_str().unwrap_or_default().to_string();
    ensure!(
        location == format!("/notify/api/integrations/{id}"),
        "Location is {location}"
    );

    // Bob may read, not write.
    let refused = as_user(
        http.delete(format!("{base}/notify/api/integrations/{id}")),
        "bob",
    )
    .send()
    .await?;
    ensure!(
        refused.status() == 403,
        "bob's delete answered {}",
        refused.status()
    );
    let listed: Value = as_user(http.get(format!("{base}/notify/api/integrations")), "bob")
        .send()
        .await?
        .json()
        .await?;
    ensure!(listed["data"][0]["id"] == id.as_str(), "{listed}");

    // A real test request and a send, through the mock receiver.
    let tested: Value = as_user(
        http.post(format!("{base}/notify/api/integrations/{id}/test")),
        "alice",
    )
    .send()
    .await?
    .json()
    .await?;
    ensure!(tested["status"] == "success", "{tested}");
    let sent = as_user(
        http.post(format!(
            "{base}/notify/api/integrations/{id}/send?wait=true"
        )),
        "alice",
    )
    .json(&json!({"text": "v2.3.1 is live"}))
    .send()
    .await?;
    let sent_status = sent.status();
    let sent: Value = sent.json().await?;
    ensure!(
        sent_status.is_success(),
        "send answered {sent_status}: {sent}"
    );
    ensure!(sent["status"] == "delivered", "{sent}");

    // The audit trail names the host's user.
    let audit: Value = as_user(http.get(format!("{base}/notify/api/audit-events")), "alice")
        .send()
        .await?
        .json()
        .await?;
    ensure!(audit["data"][0]["actor"] == "host:alice", "{audit}");

    // The document served under the prefix names every path with it.
    let doc: Value = http
        .get(format!("{base}/notify/api/openapi.json"))
        .send()
        .await?
        .json()
        .await?;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    ensure!(
        paths.contains_key("/notify/api/integrations"),
        "paths: {:?}",
        paths.keys()
    );
    ensure!(paths.keys().all(|p| p.starts_with("/notify/")));

    handle.stop(true).await;
    serving.await??;
    ensure!(
        patchbay.shutdown().await,
        "the workers did not stop in time"
    );
    println!(
        "mounted_api: host auth, prefix, Location, scopes, test, send, audit and the document all checked"
    );
    Ok(())
}
