//! The binary's commands as an operator uses them: API keys, migrations,
//! the OpenAPI document, encryption keys, and errors instead of panics on
//! bad input. (Start-up and its output: `start_up.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use common::command::{patchbay, run};

#[test]
fn keys_create_prints_the_key_alone_and_list_never_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(patchbay(dir.path()).args([
        "keys",
        "create",
        "--org",
        "acme",
        "--scopes",
        "read,test",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout must hold only the key: {stdout:?}");
    let key = lines[0];
    assert!(patchbay_domain::auth::looks_like_api_key(key), "{key}");

    let out = run(patchbay(dir.path()).args(["keys", "list"]));
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(!listing.contains(key));
    assert!(
        listing.contains(&key[..10]),
        "listing shows the display prefix: {listing}"
    );
    assert!(listing.contains("read,test"));
    let id = listing
        .lines()
        .find(|l| l.contains("read,test"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    let out = run(patchbay(dir.path()).args(["keys", "revoke", &id]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(patchbay(dir.path()).args(["keys", "list"]));
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with(&id) && l.contains("revoked")),
        "{listing}"
    );
    let out = run(patchbay(dir.path()).args(["keys", "revoke", &id]));
    assert!(!out.status.success(), "revoking twice is an error");
}

#[test]
fn bad_input_is_an_error_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "create", "--org", "acme", "--scopes", "root"],
        vec!["keys", "revoke", "not-an-id"],
        vec!["--config", "/nonexistent.toml", "migrate"],
    ] {
        let out = run(patchbay(dir.path()).args(&args));
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = run(patchbay(dir.path())
        .arg("migrate")
        .env("PATCHBAY__HTTP__PROT", "1"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("prot"));
}

#[test]
fn production_without_a_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__ENVIRONMENT", "production"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no encryption key"), "{err}");
    assert!(
        !dir.path().join("data/dev-secrets.key").exists(),
        "production never generates a key"
    );
}

#[test]
fn migrate_and_openapi_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(patchbay(dir.path()).arg("migrate"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/patchbay.sqlite3").exists());
    let out = run(patchbay(dir.path()).arg("openapi"));
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
}

#[test]
fn generated_encryption_keys_are_usable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(patchbay(dir.path()).args(["keys", "generate", "--id", "k9"]));
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(line.starts_with("k9:"));
    // `keys list` opens the store with the keyring, so a bad key line fails.
    let out = run(patchbay(dir.path())
        .args(["keys", "list"])
        .env("PATCHBAY__ENVIRONMENT", "production")
        .env("PATCHBAY__SECRETS__KEYS", &line));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
