//! A response read whole, and the checks the API documents for its bodies.

use reqwest::header::HeaderMap;
use serde_json::Value;

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Send `req` and read the whole response.
pub async fn reply(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("the request is answered");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("the body is read").to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (`null` when empty).
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_string())
    }

    /// The `ETag` header.
    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("an ETag: {} {}", self.status, self.text()))
    }

    /// The JSON body (`null` when empty) of an answer with this status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        self.json()
    }

    /// The JSON body of a success with this status, served as
    /// `application/json`.
    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            self.text()
        );
        self.json()
    }

    /// An RFC 9457 problem of this status and type; returns its body.
    #[track_caller]
    pub fn problem(&self, status: u16, kind: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["type"], format!("/problems/{kind}"), "{p}");
        assert_eq!(p["status"], status, "{p}");
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        if kind != "validation" {
            assert!(p.get("errors").is_none(), "{p}");
        }
        // Every problem names its request, as the response header does.
        let id = self.header("x-request-id");
        assert!(id.is_some(), "no X-Request-Id: {p}");
        assert_eq!(p["requestId"].as_str(), id.as_deref(), "{p}");
        p
    }

    /// The body without its request id (which differs on every request),
    /// to compare two answers.
    pub fn body_without_request_id(&self) -> Value {
        let mut body = self.json();
        if let Some(members) = body.as_object_mut() {
            members.remove("requestId");
        }
        body
    }

    /// The sorted field paths of a 422 validation problem.
    #[track_caller]
    pub fn fields(&self) -> Vec<String> {
        let p = self.problem(422, "validation");
        let errors = p["errors"].as_array().expect("errors");
        for e in errors {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{p}");
        }
        let mut fields: Vec<String> = errors
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_string())
            .collect();
        fields.sort();
        fields
    }
}

/// The member names of an object, sorted.
pub fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The `id` member, a string.
#[track_caller]
pub fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {v}"))
        .to_string()
}

/// The ids of a page's `data`.
pub fn ids_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// The entity tag of an integration at a version.
pub fn etag(id: &str, version: u32) -> String {
    format!("\"{id}-v{version}\"")
}

/// RFC 3339 UTC with milliseconds: `2026-01-01T12:00:00.123Z`.
#[track_caller]
fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("a timestamp: {v}"));
    let b = s.as_bytes();
    assert!(
        s.len() == 24
            && s.ends_with('Z')
            && b[4] == b'-'
            && b[10] == b'T'
            && b[19] == b'.'
            && s.is_ascii(),
        "not an RFC 3339 millisecond UTC timestamp: {s}"
    );
}

/// A credential test's verdict: `{"status", "message", "code"?,
/// "latencyMs", "testedAt"}`.
#[track_caller]
pub fn assert_verdict(t: &Value) {
    let mut expected = vec!["latencyMs", "message", "status", "testedAt"];
    if t.get("code").is_some() {
        assert!(t["code"].as_str().is_some_and(|c| !c.is_empty()), "{t}");
        expected = vec!["code", "latencyMs", "message", "status", "testedAt"];
    }
    assert_eq!(keys(t), expected, "{t}");
    assert!(t["status"] == "success" || t["status"] == "error", "{t}");
    assert!(t["message"].as_str().is_some_and(|m| !m.is_empty()), "{t}");
    assert!(t["latencyMs"].as_i64().is_some_and(|l| l >= 0), "{t}");
    assert_timestamp(&t["testedAt"]);
}

/// Members of a list item: no config or secrets; the last test and health
/// are those of the integration's detail.
pub const SUMMARY_KEYS: [&str; 10] = [
    "createdAt",
    "environment",
    "health",
    "id",
    "isManaged",
    "lastTest",
    "name",
    "status",
    "type",
    "updatedAt",
];

impl Reply {
    /// The field paths of a 422's `errors`, in the order given.
    #[track_caller]
    pub fn error_fields(&self) -> Vec<String> {
        assert_eq!(self.status, 422, "{}", self.text());
        let p = self.json();
        p["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {p}"))
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_string())
            .collect()
    }
}
