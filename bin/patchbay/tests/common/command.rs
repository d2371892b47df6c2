//! Running the binary as an operator does: a command in a directory of
//! its own, `serve` until it answers, on a pipe or on a terminal, and what
//! it printed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::{BIN, free_port};

/// A command in `dir` with no PATCHBAY__ variables from the caller's
/// environment, so only what the test sets applies.
pub fn patchbay(dir: &Path) -> Command {
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

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run patchbay")
}

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn http_get(port: u16, path: &str) -> Option<String> {
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
pub fn wait_until_healthy(port: u16) {
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
pub struct Printed {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Printed {
    pub fn all(&self) -> String {
        [self.stdout.join("\n"), self.stderr.join("\n")].join("\n")
    }
}

/// Start `serve` in `dir` on `port` with pipes for stdout and stderr, wait
/// until it answers, stop it; everything it printed.
pub fn serve_until_healthy(dir: &Path, port: u16, env: &[(&str, &str)]) -> Printed {
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
pub fn bootstrap_key_file(dir: &Path) -> std::path::PathBuf {
    dir.join("data/bootstrap-admin.key")
}

/// `GET /api/integrations` with this key: its status line.
pub fn list_with_key(port: u16, key: &str) -> String {
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

/// Run `command` (a shell command line) with a terminal as its stdin,
/// stdout and stderr, through util-linux `script`; returns what the
/// terminal showed once the command ends.
pub fn in_terminal(dir: &Path, command: &str, env: &[(&str, &str)]) -> Output {
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
pub fn serve_in_terminal(dir: &Path, env: &[(&str, &str)]) -> String {
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
