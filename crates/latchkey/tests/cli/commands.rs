//! Administration commands and `serve --demo`, as a user types them.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use latchkey_store::on_both_backends;
use serde_json::Value;

use crate::demo_banner::read_demo_banner;
use crate::{Env, BIN};

on_both_backends!(
    blocking;
    serve_demo_prints_a_working_login_and_stops_cleanly_on_sigterm,
    users_and_clients_commands_print_json,
    clients_add_accepts_native_redirects_and_warns_about_localhost,
    users_import_reports_rejected_lines_and_imports_the_rest,
);

fn serve_demo_prints_a_working_login_and_stops_cleanly_on_sigterm(env: Env) {
    let config = env.dir.path().join("latchkey.toml");
    std::fs::write(&config, "access_token_ttl = \"10m\"\nlog_format = \"json\"\n").unwrap();
    let mut child = env
        .command(&["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env("LATCHKEY_ACCESS_TOKEN_TTL", "2m") // environment beats the file
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let banner = read_demo_banner(&mut child);
    let (issuer, password, client_id) =
        (banner.issuer.clone(), banner.password().unwrap(), &banner.client_id);

    let http = reqwest::blocking::Client::new();
    let login: Value = http
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", "demo"),
            ("password", password),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(login["expires_in"], 120, "{login}");
    let token = login["access_token"].as_str().unwrap();

    let inspect = env.run(&["token", "inspect", "--issuer", &issuer, "--audience", &issuer, token], "");
    let report = String::from_utf8_lossy(&inspect.stdout);
    assert!(inspect.status.success() && report.contains("VALID: signature verified"), "{report}");

    let (head, _) = token.rsplit_once('.').unwrap();
    let tampered = format!("{head}.{}", "A".repeat(86));
    let inspect = env.run(&["token", "inspect", "--issuer", &issuer, &tampered], "");
    let report = String::from_utf8_lossy(&inspect.stdout);
    assert_eq!(inspect.status.code(), Some(1));
    assert!(report.contains("INVALID") && report.contains("signature"), "{report}");

    let jwks = env.run(&["token", "inspect", "--jwks", &format!("{issuer}/jwks.json"), "--json", token], "");
    let verdict: Value = serde_json::from_slice(&jwks.stdout).unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");

    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "SIGTERM ends the server with exit code 0");
}

pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server did not stop within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn users_and_clients_commands_print_json(env: Env) {
    let user = env.run_ok_json(
        &[
            "users",
            "add",
            "carol",
            "--email",
            "carol@example.com",
            "--role",
            "admin",
            "--role",
            "teller",
            "--password-stdin",
            "--json",
        ],
        "a long enough password\n",
    );
    assert_eq!(user["username"], "carol");
    assert_eq!(user["roles"], serde_json::json!(["admin", "teller"]));
    assert!(user.get("password_hash").is_none());

    let short = env.run(&["users", "add", "dave", "--password-stdin"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));

    let users = env.run_ok_json(&["users", "list", "--json"], "");
    assert_eq!(users.as_array().unwrap().len(), 1);

    let service = env.run_ok_json(
        &[
            "clients",
            "add",
            "reports",
            "--type",
            "confidential",
            "--grant",
            "client_credentials",
            "--scope",
            "reports:read",
            "--access-token-ttl",
            "10m",
            "--json",
        ],
        "",
    );
    let secret = service["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43, "at least 256 bits");
    assert_eq!(service["access_token_ttl"], 600);
    let app = env.run_ok_json(
        &["clients", "add", "app", "--type", "public", "--grant", "password,refresh_token", "--json"],
        "",
    );
    assert!(app["client_secret"].is_null());
    assert_eq!(app["require_consent"], true);
    assert_eq!(app["redirect_uris"], serde_json::json!([]));

    // The authorization-code flow: redirect URIs, post-logout URIs, consent.
    let spa = env.run_ok_json(
        &[
            "clients",
            "add",
            "spa",
            "--type",
            "public",
            "--grant",
            "authorization_code,refresh_token",
            "--scope",
            "openid profile",
            "--redirect-uri",
            "https://app.example/cb",
            "--redirect-uri",
            "http://127.0.0.1/native",
            "--post-logout-redirect-uri",
            "https://app.example/bye",
            "--backchannel-logout-uri",
            "https://app.example/backchannel-logout",
            "--skip-consent",
            "--json",
        ],
        "",
    );
    assert_eq!(
        spa["redirect_uris"],
        serde_json::json!(["https://app.example/cb", "http://127.0.0.1/native"])
    );
    assert_eq!(spa["post_logout_redirect_uris"], serde_json::json!(["https://app.example/bye"]));
    assert_eq!(spa["require_consent"], false);
    assert_eq!(spa["backchannel_logout_uri"], "https://app.example/backchannel-logout");
    assert_eq!(spa["backchannel_logout_session_required"], false);
    assert_eq!(spa["grant_types"], serde_json::json!(["refresh_token", "authorization_code"]));
    for (bad, words) in [
        (&["--redirect-uri", "http://app.example/cb"][..], "https"),
        (&["--redirect-uri", "https://app.example/cb#frag"][..], "fragment"),
        (&[][..], "redirect URI"),
        (
            &[
                "--redirect-uri",
                "https://app.example/cb",
                "--backchannel-logout-uri",
                "http://localhost:9/bcl",
            ][..],
            "back-channel",
        ),
        (
            &[
                "--redirect-uri",
                "https://app.example/cb",
                "--backchannel-logout-uri",
                "http://rp.example/bcl",
            ][..],
            "back-channel",
        ),
    ] {
        let mut args = vec!["clients", "add", "bad", "--type", "public", "--grant", "authorization_code"];
        args.extend_from_slice(bad);
        let refused = env.run(&args, "");
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    let removed = env.run(&["clients", "remove", spa["client_id"].as_str().unwrap()], "");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));

    let refused =
        env.run(&["clients", "add", "bad", "--type", "public", "--grant", "client_credentials"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("confidential"));

    let clients = env.run_ok_json(&["clients", "list", "--json"], "");
    assert_eq!(clients.as_array().unwrap().len(), 2);
    assert!(!clients.to_string().contains(secret), "the secret is shown once only");
    let removed = env.run(&["clients", "remove", app["client_id"].as_str().unwrap()], "");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    assert_eq!(env.run_ok_json(&["clients", "list", "--json"], "").as_array().unwrap().len(), 1);

    let disabled = env.run(&["users", "disable", "carol"], "");
    assert!(disabled.status.success());
    assert_eq!(env.run_ok_json(&["users", "list", "--json"], "")[0]["disabled"], true);
}

/// RFC 8252: a public native client registers a private-use scheme and a development
/// `localhost` URI (with a warning); a confidential client may not claim a private-use scheme.
fn clients_add_accepts_native_redirects_and_warns_about_localhost(env: Env) {
    let args = [
        "clients",
        "add",
        "bank-app",
        "--type",
        "public",
        "--grant",
        "authorization_code",
        "--redirect-uri",
        "com.example.bank:/oauth/callback",
        "--redirect-uri",
        "http://localhost:3000/cb",
        "--json",
    ];
    let added = env.run(&args, "");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let app: serde_json::Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(
        app["redirect_uris"],
        serde_json::json!(["com.example.bank:/oauth/callback", "http://localhost:3000/cb"])
    );
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert!(stderr.contains("warning") && stderr.contains("http://localhost:3000/cb"), "{stderr}");
    assert!(!stderr.contains("com.example.bank"), "no warning for the private-use scheme: {stderr}");
    let refused = env.run(
        &[
            "clients",
            "add",
            "srv",
            "--type",
            "confidential",
            "--grant",
            "authorization_code",
            "--redirect-uri",
            "com.example.bank:/oauth/callback",
        ],
        "",
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("public"));
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n")).unwrap();
}

fn users_import_reports_rejected_lines_and_imports_the_rest(env: Env) {
    let bcrypt_hash = bcrypt::hash("imported password", 4).unwrap();
    let file = env.dir.path().join("users.jsonl");
    write_lines(
        &file,
        &[
            serde_json::json!({"username": "erin", "email": "erin@example.com", "password_hash": bcrypt_hash}).to_string(),
            "{not json".into(),
            serde_json::json!({"username": "frank", "password_hash": "md5:abc"}).to_string(),
            serde_json::json!({"username": "erin", "password_hash": bcrypt_hash}).to_string(),
            serde_json::json!({"username": "grace", "password_hash": bcrypt_hash.replacen("$2b$", "$2y$", 1)}).to_string(),
        ],
    );
    let output = env.run(&["users", "import", file.to_str().unwrap(), "--json"], "");
    assert!(!output.status.success(), "rejected lines make the command fail");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["imported"], 2, "{report}");
    let lines: Vec<i64> =
        report["rejected"].as_array().unwrap().iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4], "{report}");
    let users = env.run_ok_json(&["users", "list", "--json"], "");
    let names: Vec<&str> =
        users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["erin", "grace"]);
}

#[test]
fn unknown_configuration_key_is_named() {
    let env = Env::sqlite();
    std::fs::write(
        env.dir.path().join("latchkey.toml"),
        "listen = \"127.0.0.1:9\"\nacess_token_ttl = \"5m\"\n",
    )
    .unwrap();
    let output = env.run(&["migrate"], "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("acess_token_ttl"), "{stderr}");
}

#[test]
fn every_serve_option_is_documented_in_help() {
    let output = Command::new(BIN).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--demo",
        "--listen",
        "--issuer",
        "--data-dir",
        "--database-url",
        "--access-token-ttl",
        "--refresh-idle-ttl",
        "--refresh-absolute-ttl",
        "--refresh-reuse-window",
        "--access-token-algorithm",
        "--argon2-memory-kib",
        "--log-format",
        "--config",
        "--brand-name",
        "--brand-logo-url",
        "--brand-accent",
        "--messages-dir",
    ] {
        assert!(help.contains(flag), "serve --help does not mention {flag}");
    }
}

#[test]
fn hostile_branding_stops_serve_naming_the_setting() {
    let hostile = [
        ("LATCHKEY_BRAND_ACCENT", "red;}body{display:none", "brand_accent"),
        ("LATCHKEY_BRAND_LOGO_URL", "javascript:alert(1)", "brand_logo_url"),
    ];
    for (variable, value, setting) in hostile {
        let env = Env::sqlite();
        let output =
            env.command(&["serve", "--listen", "127.0.0.1:0"]).env(variable, value).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(setting), "{stderr}");
    }
}
