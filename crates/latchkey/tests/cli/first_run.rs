//! What a newcomer meets first: error messages, terminal output, re-running a command. Each
//! test here failed on the code before its fix.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::commands::wait_with_timeout;
use crate::demo_banner::serve_demo;
use latchkey_store::on_both_backends;

use crate::{Env, BIN};

on_both_backends!(
    blocking;
    users_import_names_an_unknown_field_and_can_skip_existing_users,
    serve_demo_restart_keeps_the_password_and_the_sessions,
);

#[test]
fn a_bad_flag_value_is_named_without_a_source_path() {
    let env = Env::sqlite();
    for (args, flag) in [
        (&["serve", "--access-token-ttl", "abc"][..], "--access-token-ttl"),
        (&["serve", "--access-token-algorithm", "HS256"][..], "--access-token-algorithm"),
        (&["migrate", "--log-format", "yaml"][..], "--log-format"),
    ] {
        let output = env.run(args, "");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
        assert!(!stderr.contains(".rs"), "{args:?} shows a source path: {stderr}");
    }
}

#[test]
fn log_lines_written_to_a_pipe_have_no_colours() {
    let output = Env::sqlite()
        .command(&["migrate"])
        .env("LATCHKEY_LOG", "debug")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.is_empty(), "debug logging printed nothing");
    assert!(!stderr.contains('\u{1b}'), "ANSI escape codes in a pipe: {stderr}");
}

#[test]
fn an_unreachable_postgres_port_says_connection_refused() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let output = Command::new(BIN)
        .args(["migrate", "--database-url", "postgres://postgres@127.0.0.1:1/test"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.to_lowercase().contains("connection refused"), "{stderr}");
}

fn users_import_names_an_unknown_field_and_can_skip_existing_users(env: Env) {
    let hash = bcrypt::hash("imported password", 4).unwrap();
    let first = env.dir.path().join("first.jsonl");
    let lines = [
        json!({"username": "erin", "password_hash": hash}).to_string(),
        json!({"username": "frank", "password_hash": hash, "emial": "frank@example.com"}).to_string(),
    ];
    std::fs::write(&first, lines.join("\n")).unwrap();
    let output = env.run(&["users", "import", first.to_str().unwrap(), "--json"], "");
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(report["rejected"][0]["line"], 2, "{report}");
    assert!(report["rejected"][0]["reason"].as_str().unwrap().contains("emial"), "{report}");

    // Run again with the fixed file: erin exists already and is left alone.
    let second = env.dir.path().join("second.jsonl");
    let lines = [
        json!({"username": "erin", "password_hash": hash}).to_string(),
        json!({"username": "frank", "email": "frank@example.com", "password_hash": hash}).to_string(),
    ];
    std::fs::write(&second, lines.join("\n")).unwrap();
    let report =
        env.run_ok_json(&["users", "import", second.to_str().unwrap(), "--skip-existing", "--json"], "");
    assert_eq!(report, json!({"imported": 1, "skipped": 1, "rejected": []}));
    assert_eq!(env.run_ok_json(&["users", "list", "--json"], "").as_array().unwrap().len(), 2);
}

/// Logs the demo user in with the password grant; returns the response body.
fn demo_login(issuer: &str, client_id: &str, password: &str) -> (u16, Value) {
    let form =
        [("grant_type", "password"), ("client_id", client_id), ("username", "demo"), ("password", password)];
    let response =
        reqwest::blocking::Client::new().post(format!("{issuer}/token")).form(&form).send().unwrap();
    (response.status().as_u16(), response.json().unwrap_or(Value::Null))
}

fn refresh_status(issuer: &str, client_id: &str, refresh_token: &str) -> u16 {
    let form = [("grant_type", "refresh_token"), ("client_id", client_id), ("refresh_token", refresh_token)];
    let response =
        reqwest::blocking::Client::new().post(format!("{issuer}/token")).form(&form).send().unwrap();
    response.status().as_u16()
}

fn serve_demo_restart_keeps_the_password_and_the_sessions(env: Env) {
    let (mut first, banner) = serve_demo(&env, &["--listen", "127.0.0.1:0"]);
    let password = banner.password().unwrap().to_owned();
    let (status, login) = demo_login(&banner.issuer, &banner.client_id, &password);
    assert_eq!(status, 200, "{login}");
    let refresh_token = login["refresh_token"].as_str().unwrap().to_owned();
    first.kill().unwrap();
    wait_with_timeout(&mut first, Duration::from_secs(10));

    // The restart listens where the first process did: the same issuer (the database keeps it).
    let (mut second, again) = serve_demo(&env, &["--listen", banner.issuer.trim_start_matches("http://")]);
    assert_eq!(again.client_id, banner.client_id);
    assert_eq!(again.password(), None, "a restart shows no new password: {}", again.user);
    assert!(again.user.contains("kept"), "the banner says the password is kept: {}", again.user);
    assert_eq!(refresh_status(&again.issuer, &again.client_id, &refresh_token), 200, "the session survived");
    assert_eq!(demo_login(&again.issuer, &again.client_id, &password).0, 200, "the password still works");
    second.kill().unwrap();
    wait_with_timeout(&mut second, Duration::from_secs(10));
}

#[test]
fn a_session_id_starting_with_a_dash_is_taken_as_an_id() {
    // Session ids are base64url: one in 64 starts with `-`.
    let output = Env::sqlite().run(&["sessions", "revoke", "-_not-a-flag"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no live session with id \"-_not-a-flag\""), "{stderr}");
}
