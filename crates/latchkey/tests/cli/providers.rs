//! `latchkey providers`: add (secret from stdin, sealed), list, test-mapping (the dry run
//! of the linking policy), restrict and remove, with `--json`, on both backends.

use latchkey_store::on_both_backends;
use serde_json::Value;

use crate::Env;

on_both_backends!(
    blocking;
    providers_commands_print_json_and_never_the_secret,
);

fn providers_commands_print_json_and_never_the_secret(env: Env) {
    let added = env.run_ok_json(
        &[
            "providers",
            "add",
            "gh",
            "--preset",
            "github",
            "--client-id",
            "Iv1.abc",
            "--client-secret-stdin",
            "--linking",
            "prompt",
            "--token-endpoint",
            "http://127.0.0.1:9/token",
            "--json",
        ],
        "gh-secret-value\n",
    );
    assert_eq!((added["name"].as_str(), added["flavor"].as_str()), (Some("gh"), Some("github")));
    assert_eq!(added["linking"], "prompt");
    assert_eq!(added["scopes"], serde_json::json!(["read:user", "user:email"]));
    assert_eq!(added["endpoints"]["overrides"]["token_endpoint"], "http://127.0.0.1:9/token");
    assert!(added["redirect_uri"].as_str().unwrap().ends_with("/federation/gh/callback"));
    let oidc = env.run_ok_json(
        &[
            "providers",
            "add",
            "corp",
            "--kind",
            "oidc",
            "--issuer",
            "https://sso.example",
            "--client-id",
            "lk",
            "--client-secret-stdin",
            "--create-users",
            "false",
            "--json",
        ],
        "corp-secret\n",
    );
    assert_eq!(oidc["create_users"], false);
    let list = env.run_ok_json(&["providers", "list", "--json"], "");
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["corp", "gh"]);
    let printed = list.to_string();
    assert!(!printed.contains("gh-secret-value") && !printed.contains("corp-secret"), "{printed}");
    let bad = env.run(
        &["providers", "add", "x", "--kind", "oauth2", "--client-id", "a", "--client-secret-stdin"],
        "s\n",
    );
    assert!(!bad.status.success(), "oauth2 without endpoints");

    // The dry run: a new user (create) for GitHub's shape; a refusal where users are not created.
    let claims = env.dir.path().join("claims.json");
    std::fs::write(
        &claims,
        r#"{"id": 42, "login": "octo", "email": "octo@example.com", "email_verified": true}"#,
    )
    .unwrap();
    let dry = env.run_ok_json(
        &["providers", "test-mapping", "gh", "--claims", claims.to_str().unwrap(), "--json"],
        "",
    );
    assert_eq!(dry["subject"], "42");
    assert_eq!(dry["profile"]["email"], "octo@example.com");
    assert!(dry["decision"].as_str().unwrap().starts_with("create a new user"), "{dry}");
    std::fs::write(&claims, r#"{"sub": "s1", "email": "a@example.com", "email_verified": true}"#).unwrap();
    let refused: Value = env.run_ok_json(
        &["providers", "test-mapping", "corp", "--claims", claims.to_str().unwrap(), "--json"],
        "",
    );
    assert!(refused["decision"].as_str().unwrap().starts_with("refuse"), "{refused}");

    // An account whose address the operator vouches for is a link candidate (prompt).
    let bob = env.run_ok_json(
        &[
            "users",
            "add",
            "bob",
            "--email",
            "A@example.com",
            "--email-verified",
            "--password-stdin",
            "--json",
        ],
        "correct horse battery staple\n",
    );
    assert_eq!(bob["email_verified"], true);
    std::fs::write(&claims, r#"{"id": 7, "email": "a@example.com", "email_verified": true}"#).unwrap();
    let prompt = env.run_ok_json(
        &["providers", "test-mapping", "gh", "--claims", claims.to_str().unwrap(), "--json"],
        "",
    );
    assert!(prompt["decision"].as_str().unwrap().starts_with("prompt to link to user"), "{prompt}");

    let client = env.alice_and_app();
    let restricted =
        env.run(&["providers", "restrict", "--client", &client, "gh", "--no-password-login"], "");
    assert!(restricted.status.success(), "{}", String::from_utf8_lossy(&restricted.stderr));
    assert_eq!(String::from_utf8_lossy(&restricted.stdout).trim(), format!("client {client} offers: gh"));

    let removed = env.run_ok_json(&["providers", "remove", "gh", "--json"], "");
    assert_eq!(removed["removed"], "gh");
    assert!(!env.run(&["providers", "remove", "gh"], "").status.success());
}
