//! The OpenAPI document: deterministic, complete, and honest about auth.

#![allow(clippy::unwrap_used)]

#[test]
fn document_is_deterministic() {
    let a = patchbay_api::openapi().to_pretty_json().unwrap();
    let b = patchbay_api::openapi().to_pretty_json().unwrap();
    assert_eq!(a, b);
    if let Ok(path) = std::env::var("PATCHBAY_DUMP_OPENAPI") {
        std::fs::write(path, a).unwrap();
    }
}
