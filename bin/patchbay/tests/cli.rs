//! The binary's commands as an operator uses them: API keys, migrations,
//! the OpenAPI document, encryption keys, and errors instead of panics on
//! bad input. (Start-up and its output: `start_up.rs`.)

#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;

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

/// The command's stderr, after asserting it failed with an error message.
fn failure(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Everything under `dir`, relative to it.
fn files_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_bad_enum_value_lists_the_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, accepted) in [
        (
            "PATCHBAY__ENVIRONMENT",
            "prod",
            ["development", "production"],
        ),
        ("PATCHBAY__LOG__FORMAT", "xml", ["human", "json"]),
    ] {
        let err = failure(&run(patchbay(dir.path()).arg("migrate").env(var, value)));
        assert!(err.contains(&format!("`{value}`")), "{err}");
        for a in accepted {
            assert!(err.contains(a), "{var}: {err}");
        }
    }
}

#[test]
fn a_bad_port_says_the_valid_range() {
    let dir = tempfile::tempdir().unwrap();
    for port in ["70000", "-1", "eighty"] {
        let err = failure(&run(patchbay(dir.path())
            .arg("migrate")
            .env("PATCHBAY__HTTP__PORT", port)));
        assert!(err.contains("http.port"), "{port}: {err}");
        assert!(err.contains("0 to 65535"), "{port}: {err}");
    }
}

#[test]
fn a_database_url_without_a_scheme_is_refused_with_the_accepted_forms() {
    let dir = tempfile::tempdir().unwrap();
    let err = failure(&run(patchbay(dir.path())
        .arg("migrate")
        .env("PATCHBAY__DATABASE__URL", "data/patchbay.sqlite3")));
    assert!(err.contains("database.url"), "{err}");
    for form in ["sqlite://", "postgres://"] {
        assert!(err.contains(form), "{err}");
    }
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn revoking_an_unknown_or_revoked_key_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(patchbay(dir.path()).args(["keys", "create", "--org", "acme"]));
    assert!(out.status.success());
    let unknown = "key_01jf8k2m3n4p5q6r7s8t9v0w1x";
    let err = failure(&run(patchbay(dir.path()).args(["keys", "revoke", unknown])));
    assert!(
        err.contains(&format!("there is no API key {unknown}")),
        "{err}"
    );

    let listing =
        String::from_utf8(run(patchbay(dir.path()).args(["keys", "list"])).stdout).unwrap();
    let id = listing
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(
        run(patchbay(dir.path()).args(["keys", "revoke", &id]))
            .status
            .success()
    );
    let err = failure(&run(patchbay(dir.path()).args(["keys", "revoke", &id])));
    assert!(
        err.contains(&format!("API key {id} is already revoked")),
        "{err}"
    );
}

#[test]
fn keys_list_shows_organization_names() {
    let dir = tempfile::tempdir().unwrap();
    for org in ["acme", "globex"] {
        let out = run(patchbay(dir.path()).args(["keys", "create", "--org", org]));
        assert!(out.status.success());
    }
    let out = run(patchbay(dir.path()).args(["keys", "list"]));
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    for org in ["acme", "globex"] {
        assert!(
            listing
                .lines()
                .skip(1)
                .any(|l| l.split_whitespace().nth(1) == Some(org)),
            "{listing}"
        );
    }
}

#[test]
fn a_failed_start_or_command_leaves_no_new_files_behind() {
    let dir = tempfile::tempdir().unwrap();
    // The port is taken.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let err = failure(&run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__HTTP__PORT", &port)));
    assert!(err.contains(&port), "{err}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{err}");

    // The database is unreachable.
    let err = failure(&run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__HTTP__PORT", "0")
        .env(
            "PATCHBAY__DATABASE__URL",
            "postgres://patchbay@127.0.0.1:1/patchbay",
        )));
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{err}");

    // A key that does not exist.
    failure(&run(patchbay(dir.path()).args([
        "keys",
        "revoke",
        "key_01jf8k2m3n4p5q6r7s8t9v0w1x",
    ])));
    assert_eq!(files_in(dir.path()), Vec::<String>::new());

    // A provisioning file that is only found invalid against the catalogue,
    // once the database is open (kept outside the directory watched).
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("managed.toml");
    std::fs::write(
        &file,
        "[[integration]]\norganization = \"acme\"\nkey = \"alerts\"\ntype = \"slack\"\n",
    )
    .unwrap();
    let err = failure(&run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__HTTP__PORT", "0")
        .env("PATCHBAY__PROVISIONING__FILE", &file)));
    assert!(err.contains("provisioning"), "{err}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{err}");
}

#[test]
fn api_key_commands_need_no_encryption_key() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "create", "--org", "acme"],
        vec!["keys", "list"],
    ] {
        let out = run(patchbay(dir.path()).args(&args));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        !dir.path().join("data/dev-secrets.key").exists(),
        "{:?}",
        files_in(dir.path())
    );
}
