//! The committed spec is what SDKs are generated from: it must be exactly
//! what the code serves.

#![allow(clippy::unwrap_used)]

#[test]
fn committed_openapi_matches_the_code() {
    let generated = patchbay_api::openapi()
        .to_pretty_json()
        .expect("serialise spec");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date with the code: run `make openapi` and commit the result"
    );
}
