//! The `latchkey` binary as a user runs it: real processes, real HTTP, on SQLite and
//! PostgreSQL (set LATCHKEY_TEST_POSTGRES_URL). One test binary for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_api;
mod backchannel_logout;
mod bff;
mod commands;
mod demo_bank;
mod demo_banner;
mod dpop;
#[allow(dead_code)]
#[path = "../../../latchkey-server/tests/federation_upstream/facebook_stand_in.rs"]
mod facebook_stand_in;
mod federation;
mod first_run;
mod identities;
mod instance;
mod keys;
mod lifecycle;
mod native_nonce;
mod nginx;
mod providers;
mod request_log;
mod throttle;
mod tls;
mod token_exchange;
mod users_admin;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use latchkey_store::testing::{Fixture, TestDatabase};
use latchkey_store::Backend;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

/// A data directory and database for one test, and how to run the binary against them.
pub struct Env {
    pub dir: tempfile::TempDir,
    database_url: Option<String>,
    _db: Option<TestDatabase>,
}

impl Env {
    pub fn sqlite() -> Self {
        Self { dir: tempfile::tempdir().unwrap(), database_url: None, _db: None }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .current_dir(self.dir.path())
            .env_remove("LATCHKEY_MASTER_KEY")
            .env("LATCHKEY_ARGON2_MEMORY_KIB", "1024")
            .env("LATCHKEY_ARGON2_ITERATIONS", "1")
            .arg("--data-dir")
            .arg(self.dir.path().join("data"));
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command.args(args);
        command
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn run_ok_json(&self, args: &[&str], stdin: &str) -> Value {
        let output = self.run(args, stdin);
        assert!(output.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }
}

/// What `latchkey_store::on_both_backends!` hands each test. On SQLite the binary uses its
/// default database in the data directory, as a user's would; on PostgreSQL, the test's schema.
impl Fixture for Env {
    async fn on(db: TestDatabase) -> Self {
        match db.backend() {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => {
                Self { dir: tempfile::tempdir().unwrap(), database_url: Some(db.url.clone()), _db: Some(db) }
            }
        }
    }
}

impl Env {
    /// The database URL the binary uses for this environment.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.dir.path().join("data").join("latchkey.db").display()),
        }
    }

    /// A user `alice` and a public client with the password and refresh grants; returns the
    /// client id.
    pub fn alice_and_app(&self) -> String {
        self.run_ok_json(&["users", "add", "alice", "--password-stdin", "--json"], &format!("{PASSWORD}\n"));
        let app = self.run_ok_json(
            &[
                "clients",
                "add",
                "app",
                "--type",
                "public",
                "--grant",
                "password,refresh_token",
                "--scope",
                "bank:read",
                "--json",
            ],
            "",
        );
        app["client_id"].as_str().unwrap().to_owned()
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The issuer of every server process in these tests: the processes of one deployment share
/// one issuer (the address of the proxy in front of them), each listening on its own port.
pub const SHARED_ISSUER: &str = "http://localhost:8080";

/// A `latchkey serve` child process on a free port.
pub struct ServerProcess {
    pub child: Child,
    pub issuer: String,
    /// `http://<the address it listens on>`.
    pub base: String,
    /// `GET /metrics` on the metrics listener, when it was started with one.
    pub metrics_url: Option<String>,
}

impl ServerProcess {
    pub fn start(env: &Env, extra: &[&str]) -> Self {
        let mut args = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--issuer",
            SHARED_ISSUER,
            "--metrics-listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        Self::spawn(env.command(&args)).unwrap_or_else(|stderr| panic!("the server did not start: {stderr}"))
    }

    /// Starts `command` (a `latchkey serve`) and reads its banner; the error output when it
    /// exits without one.
    pub fn spawn(mut command: Command) -> Result<Self, String> {
        let with_metrics = command.get_args().any(|arg| arg == "--metrics-listen");
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let Some(Ok(first)) = lines.next() else {
            let mut message = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut message).unwrap();
            let _ = child.wait();
            return Err(message);
        };
        let (listening, issuer) = first
            .strip_prefix("Latchkey is listening on ")
            .and_then(|rest| rest.split_once(" (issuer "))
            .expect("no address and issuer in the banner");
        let (base, issuer) = (listening.to_owned(), issuer.trim_end_matches(')').to_owned());
        let metrics_url = with_metrics.then(|| {
            let second = lines.next().expect("the server printed one line").unwrap();
            second.strip_prefix("Metrics are served on ").expect("no metrics address").to_owned()
        });
        std::thread::spawn(move || lines.for_each(drop));
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Ok(Self { child, issuer, base, metrics_url })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn signal(&self, signal: &str) {
        Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().unwrap();
    }

    pub fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if std::time::Instant::now() > deadline {
                self.child.kill().unwrap();
                panic!("the server did not stop within {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of a counter line in a Prometheus text exposition.
pub fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no series {series} in {text}"))
}
