//! `latchkey bff` in front of the Express + express-jwt + jwks-rsa API of `interop/node`,
//! unchanged: real processes (Latchkey, the BFF serving `e2e/bff-page` with `--static`,
//! node), then a scripted browser and headless Chromium (`e2e/bff-express.mjs`) signing in on
//! Latchkey's page. The API sees only a bearer token it verifies itself; the browser holds
//! only the BFF's cookie.
//!
//! `scripts/test.sh` installs the node packages; without `node`, them or `/usr/bin/chromium`
//! the tests say `skipped: ...` and pass, unless `LATCHKEY_TEST_E2E=required`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use latchkey_bff::testing::Browser;
use latchkey_store::testing::skip_unless_required;
use reqwest::Method;

use crate::{Env, ServerProcess, BIN, PASSWORD};

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `command` and returns it with its first stdout line.
fn spawn_with_banner(mut command: Command) -> (Killed, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a banner line").unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    (Killed(child), first)
}

fn repo_dir(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

/// Latchkey, the Express API and `latchkey bff` in front of it, all running.
struct Stack {
    env: Env,
    /// The BFF's public URL (the page's origin).
    public: String,
    issuer: String,
    /// Alice's user id: the `sub` the API must see.
    alice: String,
    _processes: [Killed; 2],
    _server: ServerProcess,
}

/// `None` (after saying why) when node or interop/node's packages are missing.
fn start_stack() -> Option<Stack> {
    let node_dir = repo_dir("interop/node");
    if !node_dir.join("node_modules/express-jwt").exists()
        || !Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
    {
        skip_unless_required("node or interop/node's packages are not installed");
        return None;
    }
    let env = Env::sqlite();
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let server =
        ServerProcess::spawn(env.command(&["serve", "--listen", &listen, "--issuer", &issuer])).unwrap();
    let alice =
        env.run_ok_json(&["users", "add", "alice", "--password-stdin", "--json"], &format!("{PASSWORD}\n"));
    let client = env.run_ok_json(
        &[
            "clients",
            "add",
            "bank web",
            "--type",
            "confidential",
            "--grant",
            "authorization_code,refresh_token",
            "--scope",
            "openid profile",
            "--redirect-uri",
            "http://127.0.0.1/bff/callback",
            "--skip-consent",
            "--json",
        ],
        "",
    );

    let mut node = Command::new("node");
    node.current_dir(&node_dir).args([
        "server.js",
        "--issuer",
        &issuer,
        "--audience",
        &issuer,
        "--port",
        "0",
    ]);
    let (node, ready) = spawn_with_banner(node);
    let node_port = ready.strip_prefix("ready on port ").unwrap_or_else(|| panic!("{ready}"));

    let bff_port = free_port();
    let public = format!("http://127.0.0.1:{bff_port}");
    // Some settings in the file, the rest as flags.
    let file = env.dir.path().join("bff.toml");
    let toml = format!(
        "listen = \"127.0.0.1:{bff_port}\"\npublic_url = \"{public}\"\nroutes = [\"/api=http://127.0.0.1:{node_port}\"]\n\
         static = {:?}\n",
        repo_dir("e2e/bff-page").display().to_string()
    );
    std::fs::write(&file, toml).unwrap();
    let mut bff = Command::new(BIN);
    bff.args(["bff", "--config", file.to_str().unwrap(), "--issuer", &issuer])
        .args(["--client-id", client["client_id"].as_str().unwrap(), "--client-secret-stdin"])
        .env_remove("LATCHKEY_BFF_CLIENT_SECRET")
        .stdin(Stdio::piped());
    let mut child = bff.stdout(Stdio::piped()).spawn().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    child.stdin.take().unwrap().write_all(format!("{secret}\n").as_bytes()).unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines.next().expect("the BFF's banner").unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    assert!(banner.starts_with("Latchkey BFF is listening on "), "{banner}");
    let alice = alice["id"].as_str().expect("the user's id").to_owned();
    Some(Stack { env, public, issuer, alice, _processes: [node, Killed(child)], _server: server })
}

#[test]
fn express_api_runs_unchanged_behind_latchkey_bff() {
    let Some(stack) = start_stack() else { return };
    let (public, issuer) = (&stack.public, &stack.issuer);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut browser = Browser::new(public, public, issuer, "alice", PASSWORD);
        browser.sign_in("/").await;
        let me = browser.api(Method::GET, "/api/me").send().await.unwrap();
        assert_eq!(me.status(), 200);
        let me: serde_json::Value = me.json().await.unwrap();
        assert_eq!(me["sub"], stack.alice.as_str(), "{me}");
        assert!(me["sid"].is_string(), "{me}");

        let forged = browser
            .request(Method::GET, &format!("{public}/api/me"))
            .header("origin", "https://evil.example");
        assert_eq!(forged.send().await.unwrap().status(), 403);
        let logout = browser.api(Method::POST, "/bff/logout").send().await.unwrap();
        assert_eq!(logout.status(), 200);
        assert_eq!(browser.api(Method::GET, "/api/me").send().await.unwrap().status(), 401);
    });
}

#[test]
fn chromium_calls_the_express_api_through_latchkey_bff_without_a_token() {
    let e2e = repo_dir("e2e");
    if !e2e.join("node_modules/playwright-core").exists() || !Path::new("/usr/bin/chromium").exists() {
        skip_unless_required("missing e2e/node_modules or /usr/bin/chromium");
        return;
    }
    let Some(stack) = start_stack() else { return };
    let output = Command::new("node")
        .arg("bff-express.mjs")
        .current_dir(&e2e)
        .envs([
            ("BFF_URL", format!("{}/", stack.public)),
            ("USERNAME", "alice".into()),
            ("PASSWORD", PASSWORD.into()),
            ("USER_ID", stack.alice.clone()),
            ("SCREENSHOT_DIR", stack.env.dir.path().join("screenshots").display().to_string()),
        ])
        .output()
        .expect("cannot start node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "bff-express.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("bff express: all checks passed"), "{stdout}");
}
