//! `--server URL`: the administration commands through a running server's admin API give the
//! same results as on the database, from a machine with neither the database nor the master
//! key (a fresh directory, no database flags) — only an admin client's credentials.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::{Env, ServerProcess, BIN, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(blocking;
    the_cli_through_the_admin_api_gives_what_it_gives_on_the_database,
    clients_update_on_the_database_and_through_the_api_agree,
    providers_and_identities_through_the_api_agree_with_the_database,
);

/// Runs the binary against `server` with the admin credentials, from an empty directory.
pub fn remote(server: &ServerProcess, admin: &(String, String), args: &[&str], stdin: &str) -> Output {
    let elsewhere = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .current_dir(elsewhere.path())
        .env_remove("LATCHKEY_MASTER_KEY")
        .env("LATCHKEY_ADMIN_CLIENT_ID", &admin.0)
        .env("LATCHKEY_ADMIN_CLIENT_SECRET", &admin.1)
        .arg("--server")
        .arg(&server.base)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!elsewhere.path().join("latchkey-data").exists(), "no database, no key file");
    output
}

fn remote_json(server: &ServerProcess, admin: &(String, String), args: &[&str], stdin: &str) -> Value {
    let output = remote(server, admin, args, stdin);
    assert!(output.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

pub fn login(server: &ServerProcess, app: &str, username: &str) {
    let response = reqwest::blocking::Client::new()
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}

fn the_cli_through_the_admin_api_gives_what_it_gives_on_the_database(env: Env) {
    let app = env.alice_and_app();
    let ops = env.run_ok_json(&["clients", "add", "ops", "--admin", "--json"], "");
    assert_eq!(ops["scopes"], serde_json::json!(["latchkey:admin"]));
    let admin =
        (ops["client_id"].as_str().unwrap().to_owned(), ops["client_secret"].as_str().unwrap().to_owned());
    let server = ServerProcess::start(&env, &[]);

    let bob = remote_json(
        &server,
        &admin,
        &["users", "add", "bob", "--password-stdin", "--json"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(bob["username"], "bob");
    login(&server, &app, "alice");
    login(&server, &app, "bob");
    for args in [
        &["users", "list", "--json"][..],
        &["clients", "list", "--json"],
        &["keys", "list", "--json"],
        &["sessions", "list", "--json"],
        &["sessions", "list", "--user", "bob", "--json"],
        &["audit", "list", "--user", "alice", "--json"],
    ] {
        let local = env.run_ok_json(args, "");
        assert_eq!(remote_json(&server, &admin, args, ""), local, "{args:?}");
    }
    let disabled = remote(&server, &admin, &["users", "disable", "bob"], "");
    assert_eq!(String::from_utf8_lossy(&disabled.stdout), "disabled bob; ended 1 session(s)\n");
    let users = env.run_ok_json(&["users", "list", "--json"], "");
    let bob = users.as_array().unwrap().iter().find(|u| u["username"] == "bob").unwrap();
    assert_eq!(bob["disabled"], true, "the server's change is in the database");
    let ended = remote(&server, &admin, &["sessions", "revoke", "--user", "alice"], "");
    assert_eq!(String::from_utf8_lossy(&ended.stdout), "revoked 1 session(s) of alice\n");
    let audit = remote_json(
        &server,
        &admin,
        &["audit", "list", "--type", "admin_request", "--limit", "3", "--json"],
        "",
    );
    assert_eq!(audit.as_array().unwrap().len(), 3);
    assert!(audit.as_array().unwrap().iter().all(|e| e["client_id"] == admin.0.as_str()));

    let import = remote(&server, &admin, &["users", "import", "users.jsonl"], "");
    assert!(String::from_utf8_lossy(&import.stderr).contains("without --server"));
    let wrong = (admin.0.clone(), "not the secret".to_owned());
    let refused = remote(&server, &wrong, &["users", "list"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refused the admin client"), "{refused:?}");
}

/// `clients update` changes the same settings by the same rules either way, and refuses the
/// same mistakes with the same words.
fn clients_update_on_the_database_and_through_the_api_agree(env: Env) {
    let app = env.alice_and_app();
    let ops = env.run_ok_json(&["clients", "add", "ops", "--admin", "--json"], "");
    let admin =
        (ops["client_id"].as_str().unwrap().to_owned(), ops["client_secret"].as_str().unwrap().to_owned());
    let server = ServerProcess::start(&env, &[]);

    let args = ["clients", "update", &app, "--name", "Bank app", "--scope", "bank:read,bank:pay", "--json"];
    let remote_view = remote_json(&server, &admin, &args, "");
    assert_eq!(
        (&remote_view["name"], &remote_view["scopes"]),
        (&"Bank app".into(), &serde_json::json!(["bank:pay", "bank:read"]))
    );
    let patch = r#"{"require_consent": false}"#;
    let local_view =
        env.run_ok_json(&["clients", "update", &app, "--dpop", "required", "--patch", patch, "--json"], "");
    assert_eq!(
        (&local_view["name"], &local_view["dpop"], &local_view["require_consent"]),
        (&"Bank app".into(), &"required".into(), &false.into())
    );
    let list = ["clients", "list", "--json"];
    assert_eq!(remote_json(&server, &admin, &list, ""), env.run_ok_json(&list, ""));

    let mistake = ["clients", "update", &app, "--grant", "client_credentials"];
    let remote_refusal = remote(&server, &admin, &mistake, "");
    let local_refusal = env.run(&mistake, "");
    assert!(!remote_refusal.status.success() && !local_refusal.status.success());
    let words = "client_credentials needs a confidential client";
    assert!(String::from_utf8_lossy(&remote_refusal.stderr).contains(words), "{remote_refusal:?}");
    assert!(String::from_utf8_lossy(&local_refusal.stderr).contains(words), "{local_refusal:?}");
}

/// `providers` (every subcommand) and `users identities|unlink` give through the API what
/// they give on the database; the upstream client secret is never printed.
fn providers_and_identities_through_the_api_agree_with_the_database(env: Env) {
    let app = env.alice_and_app();
    let ops = env.run_ok_json(&["clients", "add", "ops", "--admin", "--json"], "");
    let admin =
        (ops["client_id"].as_str().unwrap().to_owned(), ops["client_secret"].as_str().unwrap().to_owned());
    let server = ServerProcess::start(&env, &[]);

    let add = ["providers", "add", "gh", "--preset", "github", "--client-id", "Iv1.abc"];
    let add = [&add[..], &["--client-secret-stdin", "--linking", "prompt", "--json"]].concat();
    let added = remote_json(&server, &admin, &add, "gh-secret-value\n");
    assert_eq!((&added["name"], &added["linking"]), (&"gh".into(), &"prompt".into()));
    assert_eq!(added["redirect_uri"], format!("{}/federation/gh/callback", server.issuer));
    // The redirect URIs start with the issuer, which this directory's configuration does not set.
    let list = ["providers", "list", "--json"];
    let without_redirect_uris = |mut list: Value| {
        for provider in list.as_array_mut().unwrap() {
            provider.as_object_mut().unwrap().remove("redirect_uri");
        }
        list
    };
    let local = without_redirect_uris(env.run_ok_json(&list, ""));
    assert_eq!(
        local,
        without_redirect_uris(serde_json::json!([added])),
        "the server's provider is in the database"
    );
    assert_eq!(without_redirect_uris(remote_json(&server, &admin, &list, "")), local);
    assert!(!local.to_string().contains("gh-secret-value"));

    let claims = env.dir.path().join("claims.json");
    std::fs::write(&claims, r#"{"id": 42, "email": "octo@example.com", "email_verified": true}"#).unwrap();
    let dry = ["providers", "test-mapping", "gh", "--claims", claims.to_str().unwrap(), "--json"];
    let remote_dry = remote_json(&server, &admin, &dry, "");
    assert_eq!(remote_dry, env.run_ok_json(&dry, ""));
    assert!(remote_dry["decision"].as_str().unwrap().starts_with("create a new user"), "{remote_dry}");

    let restricted = remote(&server, &admin, &["providers", "restrict", "--client", &app, "gh"], "");
    let offers = format!("client {app} offers: the password form, gh\n");
    assert_eq!(String::from_utf8_lossy(&restricted.stdout), offers);
    let unknown = remote(&server, &admin, &["providers", "restrict", "--client", "nobody", "gh"], "");
    assert!(!unknown.status.success());

    let identities = ["users", "identities", "alice", "--json"];
    let methods = remote_json(&server, &admin, &identities, "");
    assert_eq!(methods, serde_json::json!({"password": true, "identities": []}));
    assert_eq!(env.run_ok_json(&identities, ""), methods);
    let unlink = remote(&server, &admin, &["users", "unlink", "alice", "gh"], "");
    assert!(!unlink.status.success() && !env.run(&["users", "unlink", "alice", "gh"], "").status.success());
    assert!(String::from_utf8_lossy(&unlink.stderr).contains("no such identity"), "{unlink:?}");

    let removed = remote_json(&server, &admin, &["providers", "remove", "gh", "--json"], "");
    assert_eq!(removed["removed"], "gh");
    assert_eq!(env.run_ok_json(&list, ""), serde_json::json!([]));
    assert!(!remote(&server, &admin, &["providers", "remove", "gh"], "").status.success());
}
