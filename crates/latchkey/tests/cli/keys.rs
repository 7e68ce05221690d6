//! Signing keys from the operator's side, with real processes (docs/architecture.md,
//! "Signing-key rotation"): `keys list/rotate/revoke`, `token inspect` naming a token's key,
//! and three server processes on one database racing the same automatic rotation.

use std::time::{Duration, Instant};

use latchkey_crypto::decode_unverified;
use latchkey_store::on_both_backends;
use serde_json::Value;

use crate::{Env, ServerProcess, PASSWORD, SHARED_ISSUER};

on_both_backends!(
    blocking;
    keys_list_rotate_and_revoke_and_token_inspect_names_the_key,
    three_processes_race_the_same_rotation_and_all_sign_with_the_one_new_key,
);

fn kid_of(token: &str) -> String {
    decode_unverified(token).unwrap().0.kid.unwrap()
}

fn login(server: &ServerProcess, app: &str) -> String {
    let form =
        [("grant_type", "password"), ("client_id", app), ("username", "alice"), ("password", PASSWORD)];
    let response = reqwest::blocking::Client::new().post(server.url("/token")).form(&form).send().unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_owned()
}

fn jwks_kids(server: &ServerProcess) -> Vec<String> {
    let jwks: Value = reqwest::blocking::get(server.url("/jwks.json")).unwrap().json().unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

/// `keys list --json`, as (kid, purpose, state) with the whole entry.
fn list(env: &Env) -> Vec<Value> {
    env.run_ok_json(&["keys", "list", "--json"], "").as_array().unwrap().clone()
}

fn state_of(keys: &[Value], kid: &str) -> String {
    let key = keys.iter().find(|k| k["kid"] == kid).unwrap_or_else(|| panic!("no key {kid} in {keys:?}"));
    key["state"].as_str().unwrap().to_owned()
}

fn of(keys: &[Value], purpose: &str, state: &str) -> Vec<String> {
    keys.iter()
        .filter(|k| k["purpose"] == purpose && k["state"] == state)
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

fn inspect(env: &Env, token: &str) -> std::process::Output {
    env.run(&["token", "inspect", token, "--issuer", SHARED_ISSUER, "--audience", SHARED_ISSUER], "")
}

fn keys_list_rotate_and_revoke_and_token_inspect_names_the_key(env: Env) {
    let app = env.alice_and_app();
    let service = env.run_ok_json(
        &["clients", "add", "rs", "--type", "confidential", "--grant", "client_credentials", "--json"],
        "",
    );
    let rs = (service["client_id"].as_str().unwrap(), service["client_secret"].as_str().unwrap());
    let server = ServerProcess::start(&env, &["--key-reload-interval", "1s"]);
    let token = login(&server, &app);
    let signer = kid_of(&token);

    let keys = list(&env);
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(of(&keys, "access_token", "active"), std::slice::from_ref(&signer));
    assert_eq!(of(&keys, "id_token", "active").len(), 1);
    let text = env.run(&["keys", "list"], "");
    assert!(String::from_utf8_lossy(&text.stdout).contains(&format!("{signer}\taccess_token\tES256\tactive")));
    let inspected = inspect(&env, &token);
    let stdout = String::from_utf8_lossy(&inspected.stdout);
    assert!(inspected.status.success(), "{stdout}");
    assert!(stdout.contains(&format!("signed by key {signer} (active)")), "{stdout}");

    // A scheduled rotation: published at once, signing a day later.
    let rotated = env.run(&["keys", "rotate"], "");
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    let keys = list(&env);
    let next = of(&keys, "access_token", "pending");
    assert_eq!(next.len(), 1, "{keys:?}");
    assert!(jwks_kids(&server).contains(&next[0]), "the next key is published");
    assert_eq!(kid_of(&login(&server, &app)), signer, "and does not sign yet");

    // Emergency revocation of the signer.
    let revoked = env.run(&["keys", "revoke", &signer], "");
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("was active"));
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("WARNING"));
    assert!(!jwks_kids(&server).contains(&signer), "out of the running server's JWKS at once");
    let http = reqwest::blocking::Client::new();
    let introspected: Value = http
        .post(server.url("/introspect"))
        .basic_auth(rs.0, Some(rs.1))
        .form(&[("token", token.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(introspected, serde_json::json!({"active": false}));
    let feed: Value = http
        .get(server.url("/revocations?since=0"))
        .basic_auth(rs.0, Some(rs.1))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(feed["revocations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "key_revoked" && e["kid"] == signer));
    let keys = list(&env);
    assert_eq!(state_of(&keys, &signer), "revoked");
    assert_eq!(of(&keys, "access_token", "active"), next, "the published next key took over");
    let deadline = Instant::now() + Duration::from_secs(5);
    while kid_of(&login(&server, &app)) != next[0] {
        assert!(Instant::now() < deadline, "the server still signs with the revoked key");
        std::thread::sleep(Duration::from_millis(100));
    }
    let inspected = inspect(&env, &token);
    let stdout = String::from_utf8_lossy(&inspected.stdout);
    assert!(!inspected.status.success());
    assert!(stdout.contains(&format!("signed by key {signer} (revoked)")), "{stdout}");
    assert!(!env.run(&["keys", "revoke", &signer], "").status.success(), "revoked already");

    // Rotating now says what it breaks.
    let now = env.run(&["keys", "rotate", "--now"], "");
    assert!(now.status.success());
    let stderr = String::from_utf8_lossy(&now.stderr);
    assert!(stderr.contains("WARNING") && stderr.contains("reject"), "{stderr}");
    let keys = list(&env);
    assert_eq!(state_of(&keys, &next[0]), "retiring");
    assert_eq!(of(&keys, "access_token", "active").len(), 1);
    assert_ne!(of(&keys, "access_token", "active"), next);
}

/// Short durations so a rotation happens within the test: the next key is published 4 s
/// before it signs (at least twice the JWKS max-age, and max-age plus the reload interval).
const FAST_ROTATION: &[&str] = &[
    "--key-rotation-period",
    "12s",
    "--key-publish-lead",
    "4s",
    "--jwks-max-age",
    "1s",
    "--key-reload-interval",
    "1s",
];

fn three_processes_race_the_same_rotation_and_all_sign_with_the_one_new_key(env: Env) {
    let app = env.alice_and_app();
    let starting: Vec<_> = (0..3)
        .map(|_| {
            // The processes read the master key from the data directory, like the CLI did.
            let serve = ["serve", "--listen", "127.0.0.1:0", "--issuer", SHARED_ISSUER];
            let command = env.command(&[&serve[..], FAST_ROTATION].concat());
            std::thread::spawn(move || ServerProcess::spawn(command))
        })
        .collect();
    let servers: Vec<ServerProcess> = starting.into_iter().map(|s| s.join().unwrap().unwrap()).collect();
    let first = of(&list(&env), "access_token", "active");
    assert_eq!(first.len(), 1);

    let deadline = Instant::now() + Duration::from_secs(30);
    let (keys, switched_at) = loop {
        let keys = list(&env);
        if of(&keys, "access_token", "active") != first {
            break (keys, Instant::now());
        }
        assert!(Instant::now() < deadline, "no rotation within 30 s: {keys:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let new = of(&keys, "access_token", "active");
    let access: Vec<&Value> = keys.iter().filter(|k| k["purpose"] == "access_token").collect();
    assert_eq!(access.len(), 2, "exactly one new key, however many processes raced: {access:?}");
    assert_eq!(of(&keys, "access_token", "retiring"), first);
    let new_key = access.iter().find(|k| k["kid"] == new[0].as_str()).unwrap();
    let (created, activated) =
        (new_key["created_at"].as_i64().unwrap(), new_key["activate_at"].as_i64().unwrap());
    assert!(activated - created >= 4, "published {} s before it signed", activated - created);

    for server in &servers {
        while kid_of(&login(server, &app)) != new[0] {
            assert!(switched_at.elapsed() < Duration::from_secs(3), "a process still signs with the old key");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(jwks_kids(server), jwks_kids(&servers[0]), "one JWKS");
    }
}
