//! `latchkey users enable|delete|set-email|roles` on the database and through a running
//! server's admin API (`--server`): the same operations (`latchkey_server::admin`), the same
//! results. Deleting needs a confirmation (`--yes` when not at a terminal), ends the user's
//! sessions and is audited.

use serde_json::Value;

use crate::admin_api::{login, remote};
use crate::{Env, ServerProcess, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(blocking; users_enable_delete_set_email_and_roles_on_the_database_and_through_the_api);

fn stdout_of(env: &Env, args: &[&str]) -> String {
    let output = env.run(args, "");
    assert!(output.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn user(env: &Env, username: &str) -> Option<Value> {
    let users = env.run_ok_json(&["users", "list", "--json"], "");
    users.as_array().unwrap().iter().find(|u| u["username"] == username).cloned()
}

fn users_enable_delete_set_email_and_roles_on_the_database_and_through_the_api(env: Env) {
    let app = env.alice_and_app();
    stdout_of(&env, &["users", "disable", "alice"]);
    assert_eq!(stdout_of(&env, &["users", "enable", "alice"]), "enabled alice\n");
    assert_eq!(user(&env, "alice").unwrap()["disabled"], false);
    assert_eq!(
        stdout_of(&env, &["users", "set-email", "alice", "alice@new.example", "--verified"]),
        "e-mail of alice is now alice@new.example (verified)\n"
    );
    stdout_of(&env, &["users", "roles", "alice", "--add", "auditor", "--add", "teller"]);
    assert_eq!(
        stdout_of(&env, &["users", "roles", "alice", "--remove", "teller"]),
        "roles of alice: auditor\n"
    );
    let alice = user(&env, "alice").unwrap();
    assert_eq!(
        (&alice["email"], &alice["email_verified"]),
        (&Value::from("alice@new.example"), &Value::from(true))
    );
    let refused = env.run(&["users", "set-email", "alice", "not an address"], "");
    assert!(!refused.status.success());

    let unconfirmed = env.run(&["users", "delete", "alice"], "");
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"), "{unconfirmed:?}");
    assert!(user(&env, "alice").is_some(), "nothing deleted without confirmation");

    let ops = env.run_ok_json(&["clients", "add", "ops", "--admin", "--json"], "");
    let admin =
        (ops["client_id"].as_str().unwrap().to_owned(), ops["client_secret"].as_str().unwrap().to_owned());
    let server = ServerProcess::start(&env, &[]);
    login(&server, &app, "alice");
    let ok = |args: &[&str]| {
        let output = remote(&server, &admin, args, "");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(
        ok(&["users", "set-email", "alice", "a@api.example"]),
        "e-mail of alice is now a@api.example (not verified)\n"
    );
    assert_eq!(
        ok(&["users", "roles", "alice", "--add", "teller", "--remove", "auditor"]),
        "roles of alice: teller\n"
    );
    ok(&["users", "disable", "alice"]);
    assert_eq!(ok(&["users", "enable", "alice"]), "enabled alice\n");
    let alice = user(&env, "alice").unwrap();
    assert_eq!(
        (&alice["email"], &alice["email_verified"], &alice["disabled"]),
        (&Value::from("a@api.example"), &Value::from(false), &Value::from(false))
    );
    login(&server, &app, "alice");
    assert_eq!(
        env.run_ok_json(&["sessions", "list", "--user", "alice", "--json"], "").as_array().unwrap().len(),
        1
    );

    assert_eq!(ok(&["users", "delete", "alice", "--yes"]), "deleted alice\n");
    assert!(user(&env, "alice").is_none());
    let events = env.run_ok_json(&["audit", "list", "--type", "user_deleted", "--json"], "");
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    let token = reqwest::blocking::Client::new()
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(token.status(), 400, "a deleted user cannot sign in");
}
