//! The binary as an operator uses it: first start with no setup and its
//! bootstrap key, what it prints on a terminal and in a pipe, API key
//! commands, refusing to start on bad settings.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_patchbay");

/// A command in `dir` with no PATCHBAY__ variables from the caller's
/// environment, so only what the test sets applies.
fn patchbay(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("PATCHBAY__") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run patchbay")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Until the service answers `/healthz` with 200; fails after 30 s.
fn wait_until_healthy(port: u16) {
    for _ in 0..300 {
        if http_get(port, "/healthz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
            return;
        }
        // The polling interval of this bounded wait.
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("service did not answer /healthz");
}

/// What a served process printed: its stdout and stderr lines.
struct Printed {
    stdout: Vec<String>,
    stderr: Vec<String>,
}

impl Printed {
    fn all(&self) -> String {
        [self.stdout.join("\n"), self.stderr.join("\n")].join("\n")
    }
}

/// Start `serve` in `dir` on `port` with pipes for stdout and stderr, wait
/// until it answers, stop it; everything it printed.
fn serve_until_healthy(dir: &Path, port: u16, env: &[(&str, &str)]) -> Printed {
    let mut cmd = patchbay(dir);
    cmd.arg("serve")
        .env("PATCHBAY__HTTP__PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let read = |pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            BufReader::new(pipe)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));
    let child = Killed(child);
    wait_until_healthy(port);
    drop(child);
    // The process is gone, so both pipes end and so do the readers.
    Printed {
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The bootstrap key `serve` keeps under `dir` until someone has seen it.
fn bootstrap_key_file(dir: &Path) -> std::path::PathBuf {
    dir.join("data/bootstrap-admin.key")
}

/// `GET /api/integrations` with this key: its status line.
fn list_with_key(port: u16, key: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET /api/integrations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.lines().next().unwrap_or_default().to_string()
}

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

/// Run `command` (a shell command line) with a terminal as its stdin,
/// stdout and stderr, through util-linux `script`; returns what the
/// terminal showed once the command ends.
fn in_terminal(dir: &Path, command: &str, env: &[(&str, &str)]) -> Output {
    // The same environment as `patchbay(dir)` gives, then `env`.
    let plain = patchbay(dir);
    let mut script = Command::new("script");
    script
        .current_dir(dir)
        .args(["-q", "-e", "-f", "-c", command, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for (k, v) in plain.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    script.env("RUST_LOG", "info");
    for (k, v) in env {
        script.env(k, v);
    }
    script
        .output()
        .expect("util-linux `script` runs a command on a terminal")
}

/// `serve` on a terminal until it answers, then SIGTERM: what it showed.
fn serve_in_terminal(dir: &Path, env: &[(&str, &str)]) -> String {
    let port = free_port();
    let pid_file = dir.join("serve.pid");
    let _ = std::fs::remove_file(&pid_file);
    let command = format!("echo $$ > serve.pid; exec {BIN} serve");
    let mut env: Vec<(&str, &str)> = env.to_vec();
    let port_text = port.to_string();
    env.push(("PATCHBAY__HTTP__PORT", &port_text));
    std::thread::scope(|scope| {
        let shown = scope.spawn(|| in_terminal(dir, &command, &env));
        wait_until_healthy(port);
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let killed = Command::new("kill")
            .args(["-TERM", pid.trim()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = shown.join().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
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
