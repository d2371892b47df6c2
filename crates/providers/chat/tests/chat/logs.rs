//! Webhook URLs and tokens never reach a log line: the kit logs a label,
//! the method and the host of each request, whatever the answer.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchbay_domain::{Config, Provider, SecretValue};
use patchbay_provider_chat::{DiscordProvider, SlackProvider, TelegramProvider};
use patchbay_provider_kit::Url;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const DISCORD_TOKEN: &str = "CANARYlogDiscordTok";
const SLACK_HOOK: &str = "CANARYlogSlackHook";
const SLACK_TOKEN: &str = "xoxb-CANARYlogSlackBot";
const TELEGRAM_TOKEN: &str = "987654321:CANARYlogTelegramTok";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn secret(c: &mut Config, key: &str, value: &str) {
    c.insert_secret(key, SecretValue::from_json(&json!(value)));
}

#[tokio::test]
async fn no_secret_reaches_a_log_line() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Every answer class: success, refusal, server error, and a timeout.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string(BODY_MARKER))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string(BODY_MARKER))
        .mount(&server)
        .await;
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&slow)
        .await;

    for (srv, c) in [(&server, client()), (&slow, impatient_client())] {
        let base = Url::parse(&format!("{}/", srv.uri())).unwrap();
        let discord = DiscordProvider::new(c.clone());
        let slack = SlackProvider::new(c.clone(), base.clone());
        let telegram = TelegramProvider::new(c, base);

        let mut d = Config::new();
        secret(
            &mut d,
            "webhookUrl",
            &format!("{}/api/webhooks/1/{DISCORD_TOKEN}", srv.uri()),
        );
        let mut sh = Config::new();
        secret(
            &mut sh,
            "webhookUrl",
            &format!("{}/services/T1/B1/{SLACK_HOOK}", srv.uri()),
        );
        let mut sb = Config::new();
        secret(&mut sb, "botToken", SLACK_TOKEN);
        sb.insert_plain("channel", json!("C0123456789"));
        let mut tg = Config::new();
        secret(&mut tg, "botToken", TELEGRAM_TOKEN);
        tg.insert_plain("chatId", json!(-42));

        let providers: [(&dyn Provider, &Config); 4] = [
            (&discord, &d),
            (&slack, &sh),
            (&slack, &sb),
            (&telegram, &tg),
        ];
        for (p, config) in providers {
            let t = p.test(&ctx(), config).await;
            let o = p.send(&ctx(), config, &text("hello")).await;
            for shown in [test_text(&t), send_text(&o)] {
                assert_clean(
                    &shown,
                    &[DISCORD_TOKEN, SLACK_HOOK, SLACK_TOKEN, TELEGRAM_TOKEN],
                );
            }
        }
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    for label in [
        "discord.test",
        "discord.send",
        "slack.webhook.test",
        "slack.webhook.send",
        "slack.auth.test",
        "slack.chat.postMessage",
        "telegram.getMe",
        "telegram.sendMessage",
    ] {
        assert!(logs.contains(label), "no log line for {label}:\n{logs}");
    }
    assert!(logs.contains("127.0.0.1"), "the host is logged:\n{logs}");
    for s in [
        DISCORD_TOKEN,
        SLACK_HOOK,
        SLACK_TOKEN,
        TELEGRAM_TOKEN,
        "/api/webhooks",
        "/services/",
        BODY_MARKER,
    ] {
        assert!(!logs.contains(s), "`{s}` logged:\n{logs}");
    }
}
