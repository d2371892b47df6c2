//! A Postgres server of a test's own: `initdb` into a temporary directory and
//! started on a free port, for tests that stop the database under a running
//! service. The shared test server is never stopped.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;

/// Where to find `initdb` and `pg_ctl` when they are not in the usual place.
pub const POSTGRES_BIN_ENV: &str = "PATCHBAY_TEST_POSTGRES_BIN";

/// A running (or stopped) Postgres server in a temporary directory, removed
/// with it when this value is dropped.
pub struct PostgresServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Postgres refuses to run as root; then its commands run as this user.
    run_as: Option<&'static str>,
}

impl PostgresServer {
    /// Initialise a cluster and start it. `Err` says why there is none (no
    /// Postgres installed, no user to run it as as root, a failed command).
    pub(crate) fn start() -> Result<PostgresServer, String> {
        let bin = find_bin()?;
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::Builder::new()
            .prefix("patchbay-own-postgres-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        if let Some(user) = run_as {
            let (uid, gid) = (id(user, "-u")?, id(user, "-g")?);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .map_err(|e| format!("cannot hand the directory to {user}: {e}"))?;
        }
        let server = PostgresServer {
            bin,
            dir,
            port: free_port()?,
            run_as,
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
        )?;
        // TCP on loopback only: no Unix socket to collide with another server.
        let settings = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
            server.port
        );
        let conf = data.join("postgresql.conf");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut f| std::io::Write::write_all(&mut f, settings.as_bytes()))
            .map_err(|e| format!("cannot configure {}: {e}", conf.display()))?;
        server.resume()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A URL to the server's `postgres` database.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Stop the server at once, as a crash would (`-m immediate`: no
    /// shutdown checkpoint; what was committed is replayed from the WAL when
    /// it starts again).
    pub fn stop(&self) {
        self.stop_now()
            .unwrap_or_else(|e| panic!("cannot stop the test's own Postgres: {e}"));
    }

    fn stop_now(&self) -> Result<(), String> {
        let data = self.data();
        self.pg_ctl(&[
            "-D".as_ref(),
            data.as_os_str(),
            "-m".as_ref(),
            "immediate".as_ref(),
            "stop".as_ref(),
        ])
    }

    /// Start the server again, on the same port, and wait until it accepts
    /// connections.
    pub fn resume(&self) -> Result<(), String> {
        let data = self.data();
        let log = self.dir.path().join("postgres.log");
        self.pg_ctl(&[
            "-D".as_ref(),
            data.as_os_str(),
            "-l".as_ref(),
            log.as_os_str(),
            "start".as_ref(),
        ])
    }

    fn pg_ctl(&self, args: &[&OsStr]) -> Result<(), String> {
        let mut all: Vec<&OsStr> = vec!["-w".as_ref(), "-t".as_ref(), "60".as_ref()];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all)
    }

    /// Run one of the server's programs (as `run_as` when set).
    fn run(&self, program: &str, args: &[&OsStr]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // Already stopped is fine; the directory goes with `dir`.
        let _ = self.stop_now();
    }
}

/// `$PATCHBAY_TEST_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/*/bin`
/// (Debian's layout), else the directory of `initdb` on the `PATH`.
fn find_bin() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var(POSTGRES_BIN_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version);
    if let Some((_, bin)) = newest {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").exists())
        .ok_or_else(|| {
            format!("no Postgres installation (initdb) found; set {POSTGRES_BIN_ENV} to its bin directory")
        })
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A user's uid (`-u`) or gid (`-g`).
fn id(user: &str, which: &str) -> Result<u32, String> {
    let out = Command::new("id")
        .args([which, user])
        .output()
        .map_err(|e| format!("cannot run id: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("no user {user} to run Postgres as (Postgres refuses to run as root)"))
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}
