//! JSON request bodies with problem+json errors: 415 for a body that is not
//! JSON, 413 over the size limit, 400 for malformed JSON and 422, with the
//! field's path, for JSON of the wrong shape (unknown fields included, a
//! key given twice in one object, a body that is not an object).
//!
//! Messages describe the expected shape and never repeat a submitted value,
//! which could be a secret pasted into the wrong field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, ProblemKind};
use crate::strict_json::{self, StrictJsonError};

/// The request body limit, as configured (for the 413 message).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub usize);

/// A required JSON body.
pub struct JsonBody<T>(pub T);

/// An optional JSON body: an absent or empty body is `None`.
pub struct OptionalJsonBody<T>(pub Option<T>);

type BodyFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json_content_type(req);
        let limit = body_limit(req);
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(unsupported_media_type());
            }
            let bytes = bytes.await.map_err(|e| payload_error(&e, limit))?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json_content_type(req);
        let limit = body_limit(req);
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| payload_error(&e, limit))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJsonBody(None));
            }
            if !content_type_ok {
                return Err(unsupported_media_type());
            }
            parse_json(&bytes).map(|v| OptionalJsonBody(Some(v)))
        })
    }
}

fn body_limit(req: &HttpRequest) -> Option<usize> {
    req.app_data::<Data<BodyLimit>>().map(|l| l.0)
}

/// `application/json` or any `application/*+json`, parameters allowed.
fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        ProblemKind::UnsupportedMediaType,
        "The request body must be JSON, sent with Content-Type: application/json.",
    )
}

fn payload_error(e: &actix_web::Error, limit: Option<usize>) -> ApiError {
    if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        let detail = match limit {
            Some(n) => format!("The request body exceeds the limit of {n} bytes."),
            None => "The request body is too large.".to_string(),
        };
        ApiError::new(ProblemKind::PayloadTooLarge, detail)
    } else {
        ApiError::new(
            ProblemKind::BadRequest,
            "The request body could not be read.",
        )
    }
}

/// Parse a JSON body into `T`, mapping errors to 400 (not JSON) or 422 (JSON
/// of the wrong shape, with the field's path).
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Two steps, so that any syntax error is a 400 even where the shape is
    // also wrong before it (`[1,` for an object).
    let value = strict_json::from_slice(bytes).map_err(|e| match e {
        StrictJsonError::Syntax(e) => syntax_error(&e),
        StrictJsonError::DuplicateKey(path) => ApiError::field(path, "is given more than once"),
    })?;
    // Every request body is an object. serde would also read a struct from
    // an array, its fields by position (`["name", "slack", {...}]`).
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        shape_error(&path, e.inner())
    })
}

fn syntax_error(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        ProblemKind::BadRequest,
        format!(
            "The request body is not valid JSON ({} at line {} column {}).",
            syntax_reason(e),
            e.line(),
            e.column()
        ),
    )
}

/// serde_json's description of a syntax error, without its position.
fn syntax_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn shape_error(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => syntax_error(e),
        Category::Data => {
            let (field, message) = describe_data_error(path, &syntax_reason(e));
            ApiError::field(field, message)
        }
    }
}

/// Joins a serde path (`.` for the root) and a field name.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub(crate) fn backticked(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let end = start + s[start..].find('`')?;
    Some(&s[start..end])
}

fn friendly_expected(expected: &str) -> String {
    expected
        .replace("a map", "an object")
        .replace("a sequence", "an array")
        .replace("u32", "a non-negative integer")
        .replace("i64", "an integer")
}

/// Turn serde's message into `(field path, message)`. The input value serde
/// may quote (`invalid type: string "..."`) is dropped.
fn describe_data_error(path: &str, msg: &str) -> (String, String) {
    let root = path.is_empty() || path == ".";
    let here = if root {
        "body".to_string()
    } else {
        path.to_string()
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let name = backticked(rest).unwrap_or_default();
        // serde_path_to_error already ends the path with the unknown key.
        let field = if !root && path.rsplit('.').next() == Some(name) {
            path.to_string()
        } else {
            join(path, name)
        };
        let message = match rest.find(", expected ") {
            Some(i) => format!(
                "is not a field of this request ({})",
                friendly_expected(&rest[i + 2..]).replace('`', "")
            ),
            None => "is not a field of this request".to_string(),
        };
        return (field, message);
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let name = backticked(rest).unwrap_or_default();
        return (join(path, name), "is required".to_string());
    }
    if let Some(rest) = msg.strip_prefix("duplicate field ") {
        let name = backticked(rest).unwrap_or_default();
        return (join(path, name), "is given more than once".to_string());
    }
    let expected = msg
        .rfind(", expected ")
        .map(|i| friendly_expected(&msg[i + ", expected ".len()..]));
    let message = if msg.starts_with("unknown variant ") {
        match expected {
            Some(e) => format!("must be {}", e.replace("one of ", "one of: ")),
            None => "is not an accepted value".to_string(),
        }
    } else if msg.starts_with("invalid type: ") {
        match expected {
            Some(e) => format!("has the wrong type (expected {e})"),
            None => "has the wrong type".to_string(),
        }
    } else if msg.starts_with("invalid value: ") || msg.starts_with("invalid length ") {
        match expected {
            Some(e) => format!("is invalid (expected {e})"),
            None => "is invalid".to_string(),
        }
    } else {
        "is invalid".to_string()
    };
    (here, message)
}

/// For optional request members that may be left out but not sent as
/// `null` (the schema says so, and a `null` would otherwise be read as
/// "left out").
pub(crate) fn non_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Map, Value};

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        config: Option<Map<String, Value>>,
        environment: Option<Env>,
        limit: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Env {
        Stage,
        Production,
    }

    fn err(body: &str) -> (u16, Vec<(String, String)>, String) {
        let e = parse_json::<Sample>(body.as_bytes()).unwrap_err();
        let fields = e
            .problem
            .errors
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect();
        (e.problem.status, fields, e.problem.detail)
    }

    #[test]
    fn unknown_field_is_422_with_its_name() {
        let (status, fields, _) = err(r#"{"name": "x", "isManaged": true}"#);
        assert_eq!(status, 422);
        assert_eq!(fields[0].0, "isManaged");
        assert!(fields[0].1.contains("name"), "{fields:?}");
    }

    #[test]
    fn missing_field_and_wrong_types() {
        assert_eq!(err(r#"{}"#).1[0], ("name".into(), "is required".into()));
        let (_, f, _) = err(r#"{"name": "x", "config": "https://secret.example/CANARY"}"#);
        assert_eq!(f[0].0, "config");
        assert!(!f[0].1.contains("CANARY"));
        let (_, f, _) = err(r#"{"name": "x", "environment": "CANARY-prod"}"#);
        assert_eq!(f[0].0, "environment");
        assert!(!f[0].1.contains("CANARY"), "{f:?}");
        assert!(f[0].1.contains("stage"));
        let (_, f, _) = err(r#"{"name": "x", "limit": -1}"#);
        assert_eq!(f[0].0, "limit");
    }

    #[test]
    fn malformed_json_is_400() {
        let (status, fields, detail) = err(r#"{"name": "#);
        assert_eq!(status, 400);
        assert!(fields.is_empty());
        assert!(detail.contains("not valid JSON"));
        assert_eq!(err(r#"{"name": "x"} trailing"#).0, 400);
        assert_eq!(err("").0, 400);
    }

    #[test]
    fn root_of_wrong_type() {
        let (status, fields, _) = err(r#"["CANARY"]"#);
        assert_eq!(status, 422);
        assert_eq!(fields[0].0, "body");
        assert!(!fields[0].1.contains("CANARY"));
    }

    #[test]
    fn an_array_is_never_read_as_an_object() {
        // Serde would fill the struct's fields by position from these.
        for body in [
            r#"["x", {"a": 1}, "stage", 5]"#,
            r#"["x"]"#,
            "[]",
            r#""x""#,
            "7",
            "null",
        ] {
            assert_eq!(
                err(body).1,
                [("body".to_string(), "must be a JSON object".to_string())],
                "{body}"
            );
        }
    }

    #[test]
    fn a_key_given_twice_is_refused_with_its_path() {
        let (status, fields, _) = err(r#"{"name": "a", "name": "CANARY"}"#);
        assert_eq!(status, 422);
        assert_eq!(fields, [("name".into(), "is given more than once".into())]);
        let (_, fields, _) = err(r#"{"name": "a", "config": {"k": 1, "k": "CANARY"}}"#);
        assert_eq!(fields[0].0, "config.k");
        assert!(!fields[0].1.contains("CANARY"));
    }
}
