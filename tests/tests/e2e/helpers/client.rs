//! One helper per route: `app.admin().create_integration(&body)`,
//! `app.with_key(&key).get_integration(&id)`, ... Each answers the whole
//! [`Reply`]; the test checks its status and body.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::eventually;
use super::reply::{Reply, ids_of, keys, reply};

/// Requests to one app instance with one API key (or none). Cheap to clone
/// and `'static`, so it can be moved into spawned tasks.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
    headers: Vec<(String, String)>,
}

/// How long [`Client::wait_for_delivery`] waits for a final state.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    pub(super) fn new(http: reqwest::Client, base: &str, key: Option<&str>) -> Client {
        Client {
            http,
            base: base.to_string(),
            key: key.map(str::to_string),
            headers: Vec::new(),
        }
    }

    /// The same requests with this header too.
    pub fn header(&self, name: &str, value: &str) -> Client {
        let mut with = self.clone();
        with.headers.push((name.to_string(), value.to_string()));
        with
    }

    /// The same requests with `If-Match: tag`.
    pub fn if_match(&self, tag: &str) -> Client {
        self.header("if-match", tag)
    }

    /// The same requests with `Idempotency-Key: key`.
    pub fn idempotency_key(&self, key: &str) -> Client {
        self.header("Idempotency-Key", key)
    }

    /// A request to `path` with this client's key and headers, to finish by
    /// hand (send it with [`reply`]).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = &self.key {
            req = req.bearer_auth(key);
        }
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        req
    }

    /// Any route, with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        reply(req).await
    }

    /// Any route with this text as its JSON body, as sent: for bodies a
    /// `Value` cannot hold, such as an object naming a key twice.
    pub async fn call_raw(&self, method: Method, path: &str, json_text: &str) -> Reply {
        let req = self
            .request(method, path)
            .header("content-type", "application/json")
            .body(json_text.to_string());
        reply(req).await
    }

    // ------------------------------------------------ /api/integrations

    pub async fn create_integration(&self, body: &Value) -> Reply {
        self.call(Method::POST, "/api/integrations", Some(body))
            .await
    }

    /// Create an integration of this type and config (named after its
    /// type); its id.
    pub async fn create_integration_of(&self, kind: &str, config: Value) -> String {
        let r = self
            .create_integration(&json!({"name": kind, "type": kind, "config": config}))
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.text());
        super::id_of(&r.json())
    }

    /// `query` without the `?` (empty for none).
    pub async fn list_integrations(&self, query: &str) -> Reply {
        self.call(Method::GET, &with_query("/api/integrations", query), None)
            .await
    }

    pub async fn get_integration(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/api/integrations/{id}"), None)
            .await
    }

    pub async fn update_integration(&self, id: &str, body: &Value) -> Reply {
        self.call(Method::PUT, &format!("/api/integrations/{id}"), Some(body))
            .await
    }

    pub async fn delete_integration(&self, id: &str) -> Reply {
        self.call(Method::DELETE, &format!("/api/integrations/{id}"), None)
            .await
    }

    /// A saved integration's credential test; `body` may hold
    /// `configOverrides`.
    pub async fn test_integration(&self, id: &str, body: Option<&Value>) -> Reply {
        self.call(Method::POST, &format!("/api/integrations/{id}/test"), body)
            .await
    }

    /// A credential test of a configuration that is not saved.
    pub async fn test_unsaved(&self, body: &Value) -> Reply {
        self.call(Method::POST, "/api/integrations/test", Some(body))
            .await
    }

    pub async fn integration_health(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/api/integrations/{id}/health"), None)
            .await
    }

    /// Every page of the list for `query` (with a `limit`), following
    /// `nextCursor`: the ids in order and the size of each page.
    pub async fn walk_integrations(&self, query: &str) -> (Vec<String>, Vec<usize>) {
        let (mut ids, mut sizes) = (Vec::new(), Vec::new());
        let mut cursor: Option<String> = None;
        loop {
            let mut q = query.to_string();
            if let Some(c) = &cursor {
                q.push_str(&format!("&cursor={c}"));
            }
            let page = self.list_integrations(&q).await.ok(200);
            assert_eq!(keys(&page), ["data", "nextCursor"]);
            let page_ids = ids_of(&page);
            sizes.push(page_ids.len());
            ids.extend(page_ids);
            match &page["nextCursor"] {
                Value::Null => break,
                Value::String(c) => cursor = Some(c.clone()),
                other => panic!("nextCursor is a string or null: {other}"),
            }
            assert!(sizes.len() < 100, "the walk does not end");
        }
        (ids, sizes)
    }

    // ------------------------------------------------ sending, deliveries

    /// Send a message through an integration (queued: 202).
    pub async fn send(&self, integration: &str, message: &Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/integrations/{integration}/send"),
            Some(message),
        )
        .await
    }

    /// Send, and let the answer wait for the first attempt (`?wait=true`).
    pub async fn send_and_wait(&self, integration: &str, message: &Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/integrations/{integration}/send?wait=true"),
            Some(message),
        )
        .await
    }

    /// Send each message, checking each is accepted; the delivery ids.
    pub async fn send_all(&self, integration: &str, messages: &[Value]) -> Vec<String> {
        let mut deliveries = Vec::new();
        for message in messages {
            let accepted = self.send(integration, message).await.expect(202);
            deliveries.push(super::id_of(&accepted));
        }
        deliveries
    }

    /// Send many messages in one request (`POST /api/deliveries/bulk`).
    pub async fn send_bulk(&self, items: Value) -> Reply {
        self.call(
            Method::POST,
            "/api/deliveries/bulk",
            Some(&json!({"items": items})),
        )
        .await
    }

    pub async fn get_delivery(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/api/deliveries/{id}"), None)
            .await
    }

    pub async fn retry_delivery(&self, id: &str) -> Reply {
        self.call(Method::POST, &format!("/api/deliveries/{id}/retry"), None)
            .await
    }

    /// An integration's deliveries, newest first; `query` without the `?`.
    pub async fn list_deliveries(&self, integration: &str, query: &str) -> Reply {
        let path = format!("/api/integrations/{integration}/deliveries");
        self.call(Method::GET, &with_query(&path, query), None)
            .await
    }

    /// The delivery once it is `delivered` or `failed` (polled; fails the
    /// test after 30 s).
    pub async fn wait_for_delivery(&self, id: &str) -> Value {
        eventually(
            &format!("delivery {id} to finish"),
            DELIVERY_TIMEOUT,
            || async move {
                let d = self.get_delivery(id).await.expect(200);
                if d["status"] == "delivered" || d["status"] == "failed" {
                    Ok(d)
                } else {
                    Err(d.to_string())
                }
            },
        )
        .await
    }

    // ------------------------------------------------ integration groups

    pub async fn create_group(&self, body: &Value) -> Reply {
        self.call(Method::POST, "/api/integration-groups", Some(body))
            .await
    }

    /// A group of these members (201 checked); its id.
    pub async fn create_group_of(
        &self,
        strategy: &str,
        members: &[&str],
        failover: Value,
    ) -> String {
        let mut body = json!({"name": format!("{strategy} group"), "strategy": strategy, "integrationIds": members});
        if !failover.is_null() {
            body["failover"] = failover;
        }
        super::id_of(&self.create_group(&body).await.ok(201))
    }

    pub async fn get_group(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/api/integration-groups/{id}"), None)
            .await
    }

    /// `query` without the `?`.
    pub async fn list_groups(&self, query: &str) -> Reply {
        self.call(
            Method::GET,
            &with_query("/api/integration-groups", query),
            None,
        )
        .await
    }

    pub async fn update_group(&self, id: &str, body: &Value) -> Reply {
        self.call(
            Method::PUT,
            &format!("/api/integration-groups/{id}"),
            Some(body),
        )
        .await
    }

    pub async fn delete_group(&self, id: &str) -> Reply {
        self.call(
            Method::DELETE,
            &format!("/api/integration-groups/{id}"),
            None,
        )
        .await
    }

    pub async fn send_to_group(&self, group: &str, message: &Value) -> Reply {
        self.call(
            Method::POST,
            &format!("/api/integration-groups/{group}/send"),
            Some(message),
        )
        .await
    }

    pub async fn get_group_send(&self, group: &str, send: &str) -> Reply {
        self.call(
            Method::GET,
            &format!("/api/integration-groups/{group}/sends/{send}"),
            None,
        )
        .await
    }

    /// The group send once its status is final (polled; fails the test
    /// after 30 s).
    pub async fn wait_for_group_send(&self, group: &str, send: &str) -> Value {
        eventually(
            &format!("group send {send} to finish"),
            DELIVERY_TIMEOUT,
            || async move {
                let s = self.get_group_send(group, send).await.ok(200);
                if s["status"] == "sending" {
                    Err(s.to_string())
                } else {
                    Ok(s)
                }
            },
        )
        .await
    }

    // ------------------------------------------------ /integrations
    // The API that names integration types by integer id and takes
    // snake_case `data`; an integration is addressed by its integer id.

    pub async fn type_id_create(&self, body: &Value) -> Reply {
        self.call(Method::POST, "/integrations", Some(body)).await
    }

    /// `query` without the `?` (empty for none).
    pub async fn type_id_list(&self, query: &str) -> Reply {
        self.call(Method::GET, &with_query("/integrations", query), None)
            .await
    }

    pub async fn type_id_get(&self, id: i64) -> Reply {
        self.call(Method::GET, &format!("/integrations/{id}"), None)
            .await
    }

    pub async fn type_id_update(&self, id: i64, body: &Value) -> Reply {
        self.call(Method::PUT, &format!("/integrations/{id}"), Some(body))
            .await
    }

    pub async fn type_id_set_status(&self, id: i64, body: &Value) -> Reply {
        self.call(
            Method::PATCH,
            &format!("/integrations/{id}/status"),
            Some(body),
        )
        .await
    }

    pub async fn type_id_delete(&self, id: i64) -> Reply {
        self.call(Method::DELETE, &format!("/integrations/{id}"), None)
            .await
    }

    /// The `int_` id the `/api/integrations` routes know this integration
    /// by: it is in the ETag, which both APIs share.
    pub async fn prefixed_id(&self, id: i64) -> String {
        let r = self.type_id_get(id).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let tag = r.etag();
        let inner = tag.trim_matches('"');
        inner.rsplit_once("-v").expect("an id-vN tag").0.to_string()
    }

    // ------------------------------------------------ everything else

    /// `query` without the `?` (empty for none).
    pub async fn audit_events(&self, query: &str) -> Reply {
        self.call(Method::GET, &with_query("/api/audit-events", query), None)
            .await
    }

    pub async fn metrics(&self) -> Reply {
        self.call(Method::GET, "/metrics", None).await
    }

    pub async fn openapi_document(&self) -> Reply {
        self.call(Method::GET, "/api/openapi.json", None).await
    }

    /// Liveness.
    pub async fn healthz(&self) -> Reply {
        self.call(Method::GET, "/healthz", None).await
    }

    /// Readiness.
    pub async fn readyz(&self) -> Reply {
        self.call(Method::GET, "/readyz", None).await
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}
