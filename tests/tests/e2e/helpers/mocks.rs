//! Local mock providers, and the app's settings pointing every provider it
//! may call at one, so no test reaches the internet.

use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{TestApp, TestDatabase};

/// A Telegram bot token of the right shape; not a real one.
pub const TELEGRAM_TOKEN: &str = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr";

/// Quick retries and polling for the delivery workers; pacing off unless a
/// test turns it on.
pub const QUICK_DELIVERY: [(&str, &str); 6] = [
    ("PATCHBAY__DELIVERY__POLL_INTERVAL_MS", "50"),
    ("PATCHBAY__DELIVERY__RETRY_BASE_MS", "300"),
    ("PATCHBAY__DELIVERY__MAX_ATTEMPTS", "3"),
    ("PATCHBAY__DELIVERY__LEASE_MS", "10000"),
    ("PATCHBAY__DELIVERY__PACING", "false"),
    ("PATCHBAY__DELIVERY__RETEST_INTERVAL_SECS", "0"),
];

/// Settings that point every provider at `mock` (and let the app reach
/// loopback), then `extra`; later entries win.
pub fn settings_against(mock: &MockServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let host = mock.address().to_string();
    let base = mock.uri();
    let mut settings: Vec<(String, String)> = [
        ("PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS", "127.0.0.0/8"),
        ("PATCHBAY__OUTBOUND__TOTAL_TIMEOUT_MS", "5000"),
        ("PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS", host.as_str()),
        ("PATCHBAY__PROVIDERS__SLACK__EXTRA_HOSTS", host.as_str()),
        (
            "PATCHBAY__PROVIDERS__SLACK__BASE_URL",
            format!("{base}/slack/api/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__TELEGRAM__BASE_URL",
            format!("{base}/tg/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__BASE_URL",
            format!("{base}/sendgrid/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__SENDGRID__EU_BASE_URL",
            format!("{base}/sendgrid/").as_str(),
        ),
        (
            "PATCHBAY__PROVIDERS__RESEND__BASE_URL",
            format!("{base}/resend/").as_str(),
        ),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    settings.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    settings
}

/// [`settings_against`] plus [`QUICK_DELIVERY`], then `extra`.
pub fn delivery_settings(mock: &MockServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut settings = settings_against(mock, &QUICK_DELIVERY);
    settings.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    settings
}

/// Owned settings as the `&[(&str, &str)]` the app takes.
pub fn borrowed(settings: &[(String, String)]) -> Vec<(&str, &str)> {
    settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

impl TestApp {
    /// The app with every provider pointed at `mock`, plus `extra`.
    pub async fn spawn_against(
        db: TestDatabase,
        mock: &MockServer,
        extra: &[(&str, &str)],
    ) -> TestApp {
        TestApp::spawn_with(db, &borrowed(&settings_against(mock, extra))).await
    }

    /// [`TestApp::spawn_against`] with quick delivery workers
    /// ([`QUICK_DELIVERY`]), plus `extra`.
    pub async fn spawn_delivering_to(
        db: TestDatabase,
        mock: &MockServer,
        extra: &[(&str, &str)],
    ) -> TestApp {
        TestApp::spawn_with(db, &borrowed(&delivery_settings(mock, extra))).await
    }
}

/// A mock playing a Slack webhook (which answers `invalid_payload` to an
/// empty post, as Slack does) and custom webhook endpoints: `/hooks/ok`
/// answers 204, `/hooks/broken` 500; anything else 404.
pub async fn slack_and_webhooks() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/services/"))
        .respond_with(ResponseTemplate::new(400).set_body_string("invalid_payload"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/ok"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/broken"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    server
}

/// A mock endpoint answering POST `route` with `response`.
pub async fn endpoint(route: &str, response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// A mock endpoint answering POST `route` with `first` once, then with
/// `then`.
pub async fn first_then(
    route: &str,
    first: ResponseTemplate,
    then: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(first)
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(then)
        .mount(&server)
        .await;
    server
}
