//! The OpenAPI document: deterministic, complete, and honest about auth.

use serde_json::{Value, json};

/// The document as served.
pub fn document() -> Value {
    serde_json::to_value(patchbay_api::openapi()).unwrap()
}

/// Every documented operation as (method, path, operation).
pub fn operations() -> Vec<(String, String, Value)> {
    let doc = document();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// Whether the operation at this path needs an API key: everything under
/// `/api` and `/integrations` except the document itself.
pub fn needs_a_key(path: &str) -> bool {
    (path.starts_with("/api/") || path.starts_with("/integrations")) && path != "/api/openapi.json"
}

/// The documented operations that need an API key.
pub fn keyed_operations() -> Vec<(String, String, Value)> {
    operations()
        .into_iter()
        .filter(|(_, path, _)| needs_a_key(path))
        .collect()
}

#[test]
fn document_is_deterministic() {
    let a = patchbay_api::openapi().to_pretty_json().unwrap();
    let b = patchbay_api::openapi().to_pretty_json().unwrap();
    assert_eq!(a, b);
    // A way to look at the document without running the service.
    if let Ok(path) = std::env::var("PATCHBAY_DUMP_OPENAPI") {
        std::fs::write(path, a).unwrap();
    }
}

#[test]
fn every_operation_has_an_id_and_a_tag() {
    for (method, path, op) in operations() {
        assert!(op["operationId"].is_string(), "{method} {path}");
        assert!(op["tags"][0].is_string(), "{method} {path}");
    }
}

/// Keyed operations declare bearer auth and a problem+json 401; the others
/// declare no security at all.
#[test]
fn operations_document_whether_they_need_a_key() {
    let mut public = 0;
    for (method, path, op) in operations() {
        if !needs_a_key(&path) {
            assert!(op.get("security").is_none(), "{method} {path}");
            public += 1;
            continue;
        }
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": []}]),
            "{method} {path}"
        );
        let problem =
            &op["responses"]["401"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem", "{method} {path}");
    }
    // The document itself, at least.
    assert!(public >= 1);
}

/// Keyed operations document the 429 an address gets past its limit of
/// refused keys, with `Retry-After`.
#[test]
fn keyed_operations_document_429_with_retry_after() {
    for (method, path, op) in keyed_operations() {
        let r = &op["responses"]["429"];
        assert_eq!(
            r["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{method} {path}"
        );
        assert_eq!(
            r["headers"]["Retry-After"]["schema"]["type"], "integer",
            "{method} {path}"
        );
    }
}
