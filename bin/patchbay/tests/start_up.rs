//! Start-up as an operator sees it: the first start needs no setup and
//! its bootstrap key is never lost and never logged; what is printed on a
//! pipe, on a terminal and with JSON logs; a bad log filter refuses to
//! start.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use common::command::{
    Killed, bootstrap_key_file, list_with_key, patchbay, run, serve_in_terminal,
    serve_until_healthy, wait_until_healthy,
};
use common::free_port;

#[test]
fn first_start_needs_no_setup_and_keeps_the_bootstrap_key_in_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let printed = serve_until_healthy(dir.path(), port, &[]);
    let all = printed.all();
    assert!(all.contains("generated a development key"), "{all}");
    // Output that is not a terminal may be a log pipeline: it names the
    // file and never holds the key.
    let key_file = bootstrap_key_file(dir.path());
    let key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert!(patchbay_domain::auth::looks_like_api_key(&key), "{key}");
    assert!(!all.contains("pbk_"), "{all}");
    assert!(all.contains("data/bootstrap-admin.key"), "{all}");
    for file in [&key_file, &dir.path().join("data/dev-secrets.key")] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    assert!(dir.path().join("data/patchbay.sqlite3").exists());

    // Second start: it serves again, with the same key file, no new key,
    // and a reminder that the key is still waiting in its file.
    let printed = serve_until_healthy(dir.path(), port, &[]);
    let all = printed.all();
    assert!(!all.contains("generated a development key"), "{all}");
    assert!(all.contains("still in"), "{all}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), key);

    // The key is the admin key of the default organization.
    let mut child = Killed(
        patchbay(dir.path())
            .arg("serve")
            .env("PATCHBAY__HTTP__PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until_healthy(port);
    assert!(list_with_key(port, &key).contains(" 200 "));
    let _ = child.0.kill();
}

#[test]
fn a_start_that_cannot_bind_creates_no_bootstrap_key() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__HTTP__PORT", port.to_string()));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("binding"), "{err}");
    assert!(!bootstrap_key_file(dir.path()).exists());
    drop(taken);

    // The next start, with the port free, is still the first: it creates
    // the key, so no key exists that nobody has seen.
    let port = free_port();
    serve_until_healthy(dir.path(), port, &[]);
    let key = std::fs::read_to_string(bootstrap_key_file(dir.path())).unwrap();
    assert!(
        patchbay_domain::auth::looks_like_api_key(key.trim()),
        "{key}"
    );
}

#[test]
fn on_a_terminal_the_bootstrap_key_is_shown_and_no_copy_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let shown = serve_in_terminal(dir.path(), &[]);
    assert!(shown.contains("Bootstrap admin API key"), "{shown}");
    let key = shown
        .split_whitespace()
        .find(|w| w.starts_with("pbk_"))
        .unwrap_or_else(|| panic!("no key shown: {shown}"));
    assert!(patchbay_domain::auth::looks_like_api_key(key), "{key}");
    assert!(
        !bootstrap_key_file(dir.path()).exists(),
        "a key shown on a terminal leaves no file"
    );
}

#[test]
fn with_json_logs_every_line_is_json_and_the_key_stays_out_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let printed = serve_until_healthy(
        dir.path(),
        free_port(),
        &[("PATCHBAY__LOG__FORMAT", "json"), ("RUST_LOG", "info")],
    );
    let lines: Vec<&String> = printed.stdout.iter().chain(&printed.stderr).collect();
    assert!(lines.len() >= 3, "{lines:?}");
    for line in &lines {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(parsed["fields"]["message"].is_string(), "{line}");
        assert!(!line.contains("pbk_"), "the key reached the log: {line}");
    }
    let all = printed.all();
    assert!(all.contains("generated a development key"), "{all}");
    assert!(all.contains("bootstrap-admin.key"), "{all}");
    let key = std::fs::read_to_string(bootstrap_key_file(dir.path())).unwrap();
    assert!(
        patchbay_domain::auth::looks_like_api_key(key.trim()),
        "{key}"
    );

    // A failure is a JSON line too.
    let out = run(patchbay(dir.path())
        .arg("serve")
        .env("PATCHBAY__LOG__FORMAT", "json")
        .env(
            "PATCHBAY__DATABASE__URL",
            "postgres://nobody@127.0.0.1:1/none",
        ));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for line in err.lines() {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(parsed["fields"]["message"].is_string(), "{line}");
    }
    assert!(err.contains("\"ERROR\""), "{err}");
}

#[test]
fn an_invalid_log_filter_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    for (var, name) in [
        ("PATCHBAY__LOG__LEVEL", "log.level"),
        ("RUST_LOG", "RUST_LOG"),
    ] {
        let mut cmd = patchbay(dir.path());
        cmd.env_remove("RUST_LOG").arg("migrate").env(var, "loud!!");
        let out = run(&mut cmd);
        assert!(!out.status.success(), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{name} is not a valid log filter")),
            "{var}: {err}"
        );
        assert!(err.contains("loud!!"), "{err}");
        assert!(
            !dir.path().join("data").exists(),
            "{var}: refused before touching anything"
        );
    }
}

#[test]
fn logs_are_plain_text_when_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let printed = serve_until_healthy(dir.path(), free_port(), &[("RUST_LOG", "info")]);
    let logs = printed.stderr.join("\n");
    assert!(logs.contains("patchbay listening"), "{logs}");
    assert!(!logs.contains('\x1b'), "colour codes in a pipe: {logs:?}");
}

#[test]
fn logs_on_a_terminal_are_coloured_unless_no_color_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let shown = serve_in_terminal(dir.path(), &[]);
    assert!(shown.contains("patchbay listening"), "{shown}");
    assert!(shown.contains('\x1b'), "no colour on a terminal: {shown:?}");
    let shown = serve_in_terminal(dir.path(), &[("NO_COLOR", "1")]);
    assert!(shown.contains("patchbay listening"), "{shown}");
    assert!(
        !shown.contains('\x1b'),
        "colour despite NO_COLOR: {shown:?}"
    );
}
