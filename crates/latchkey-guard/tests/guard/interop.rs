//! Interoperability: a Node.js Express app (express-jwt + jwks-rsa) and a Python server
//! (PyJWT's PyJWKClient), from `interop/`, accept Latchkey access tokens and refuse
//! tampered ones, and keep accepting them across a key rotation — and the guard agrees with
//! them on every token. Tokens that are well signed but wrong (expired, other audience, an ID
//! token) come from a fake issuer whose key the test holds.
//!
//! `scripts/test.sh` installs their packages; on a machine without `node`/`python3` or those
//! packages the tests say `skipped: ...` and pass, unless `LATCHKEY_TEST_E2E=required`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::{Algorithm, SigningKey};
use latchkey_guard::Guard;
use latchkey_store::testing::{skip_unless_required, Fixture, TestDatabase};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::fake_issuer::{now, FakeIssuer, AUDIENCE};
use crate::latchkey::{kid_of, Latchkey};

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

/// Whether `program args` runs and succeeds in `interop/<dir>`.
async fn succeeds(dir: &str, program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .current_dir(interop_dir().join(dir))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}

/// Whether every check `(program, args, what is missing if it fails)` succeeds in
/// `interop/<dir>`; at the first that does not, skips the test (fails it, when required).
async fn ready(dir: &str, checks: &[(&str, &[&str], &str)]) -> bool {
    for (program, args, missing) in checks {
        if !succeeds(dir, program, args).await {
            skip_unless_required(missing);
            return false;
        }
    }
    true
}

/// How long the interop servers cache the JWKS: short, so the rotation test can wait out a
/// cache lifetime between publishing the next key and letting it sign (the publish lead).
const INTEROP_JWKS_MAX_AGE: Duration = Duration::from_secs(1);

/// A started interop server; killed when dropped.
struct Interop {
    url: String,
    _child: Child,
}

async fn spawn(dir: &str, program: &str, script: &str, issuer: &str, audience: &str) -> Interop {
    let mut child = Command::new(program)
        .arg(script)
        .args(["--issuer", issuer, "--audience", audience, "--port", "0"])
        .args(["--jwks-max-age", &INTEROP_JWKS_MAX_AGE.as_secs().to_string()])
        .current_dir(interop_dir().join(dir))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{script} printed no ready line in 30 s"))
        .unwrap()
        .unwrap_or_else(|| panic!("{script} exited before it was ready"));
    let port: u16 = line.strip_prefix("ready on port ").unwrap_or_else(|| panic!("{line}")).parse().unwrap();
    Interop { url: format!("http://127.0.0.1:{port}"), _child: child }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// The genuine token and tampered or forged variants of it, by name.
fn variants(token: &str) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let with_claims = |edit: &dyn Fn(&mut Value)| {
        let mut claims = claims.clone();
        edit(&mut claims);
        format!("{}.{}.{}", parts[0], b64(&claims), parts[2])
    };
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let mut forged_header = header.clone();
    forged_header["alg"] = json!("ES256");
    let forged_input = format!("{}.{}", b64(&forged_header), parts[1]);
    let forged_signature = URL_SAFE_NO_PAD.encode(attacker.sign_raw(forged_input.as_bytes()).unwrap());
    let mut none_header = header.clone();
    none_header["alg"] = json!("none");
    let mut id_token_header = header.clone();
    id_token_header["typ"] = json!("JWT");
    let mut flipped = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    flipped[10] ^= 1;
    vec![
        ("scope escalated", with_claims(&|c| c["scope"] = json!("bank:read bank:write admin"))),
        ("expiry pushed back", with_claims(&|c| c["exp"] = json!(c["exp"].as_i64().unwrap() + 86_400))),
        ("expired-looking", with_claims(&|c| c["exp"] = json!(c["iat"].as_i64().unwrap() - 3_600))),
        ("subject swapped", with_claims(&|c| c["sub"] = json!("mallory"))),
        ("signature flipped", format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(flipped))),
        ("signature stripped", format!("{}.{}.", parts[0], parts[1])),
        ("alg none", format!("{}.{}.", b64(&none_header), parts[1])),
        ("typ rewritten to JWT", format!("{}.{}.{}", b64(&id_token_header), parts[1], parts[2])),
        ("attacker's key under the issuer's kid", format!("{forged_input}.{forged_signature}")),
        ("garbage", "abc.def.ghi".to_owned()),
    ]
}

async fn call(interop: &Interop, token: Option<String>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}/me", interop.url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn accepts_genuine_and_refuses_tampered(server: &Latchkey, interop: &Interop, name: &str) {
    let guard =
        Guard::builder().issuer(server.issuer.clone()).audience(server.issuer.clone()).build().await.unwrap();
    let token = server.login().await["access_token"].as_str().unwrap().to_owned();
    let call = |token: Option<String>| call(interop, token);

    let response = call(Some(token.clone())).await;
    assert_eq!(response.status(), 200, "{name} refused a genuine Latchkey token");
    let body: Value = response.json().await.unwrap();
    let claims = guard.verify(&token).await.unwrap();
    assert_eq!(body["sub"], claims.sub, "{name}");
    assert_eq!(body["sid"], json!(claims.sid), "{name}");

    let response = call(None).await;
    assert_eq!(response.status(), 401, "{name} let a request without a token through");
    for (what, bad) in variants(&token) {
        let response = call(Some(bad.clone())).await;
        assert_eq!(response.status(), 401, "{name} accepted a token with {what}");
        assert!(guard.verify(&bad).await.is_err(), "the guard accepted a token with {what}");
    }
}

/// Across a rotation done as Latchkey's schedule does it — the next key published, a cache
/// lifetime passes (the publish lead), then it signs — tokens of the new key and of the
/// retiring one both pass.
async fn keeps_accepting_across_a_rotation(server: &Latchkey, interop: &Interop, name: &str) {
    let old = server.login().await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(call(interop, Some(old.clone())).await.status(), 200, "{name} before the rotation");
    server.schedule_rotation().await;
    tokio::time::sleep(INTEROP_JWKS_MAX_AGE + Duration::from_millis(500)).await;
    let new_kid = server.rotate_now().await;
    let new = server.login().await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&new), new_kid);
    assert_eq!(call(interop, Some(new)).await.status(), 200, "{name} refused a token of the new key");
    assert_eq!(call(interop, Some(old)).await.status(), 200, "{name} refused a token of the retiring key");
}

/// Tokens genuinely signed by the issuer's key whose claims or type are wrong: expired, not
/// yet valid, for another audience or issuer, or an ID token (`typ: JWT`, RFC 9068 §4).
async fn refuses_well_signed_but_wrong_tokens(fake: &FakeIssuer, interop: &Interop, name: &str) {
    let guard = fake.guard().build().await.unwrap();
    let genuine = fake.token();
    assert_eq!(call(interop, Some(genuine.clone())).await.status(), 200, "{name} refused a genuine token");
    assert!(guard.verify(&genuine).await.is_ok());
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut claims = fake.claims();
        edit(&mut claims);
        fake.sign(&claims)
    };
    let cases = [
        (
            "expired",
            edited(&|c| {
                c["iat"] = json!(now() - 3_900);
                c["exp"] = json!(now() - 3_600);
            }),
        ),
        ("not yet valid", edited(&|c| c["nbf"] = json!(now() + 3_600))),
        ("another audience", edited(&|c| c["aud"] = json!("https://other.example"))),
        ("another issuer", edited(&|c| c["iss"] = json!("https://evil.example"))),
        ("typ JWT (an ID token)", fake.key.sign_jwt("JWT", &fake.claims()).unwrap()),
    ];
    for (what, bad) in cases {
        assert_eq!(call(interop, Some(bad.clone())).await.status(), 401, "{name} accepted a token: {what}");
        assert!(guard.verify(&bad).await.is_err(), "the guard accepted a token: {what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_jwt_with_jwks_rsa_accepts_latchkey_tokens_and_refuses_tampered_ones() {
    let packages = "require('express'); require('express-jwt'); require('jwks-rsa')";
    let checks: [(&str, &[&str], &str); 2] = [
        ("node", &["--version"], "node is not installed"),
        ("node", &["-e", packages], "interop/node packages are not installed (cd interop/node && npm ci)"),
    ];
    if !ready("node", &checks).await {
        return;
    }
    let server = Latchkey::on(TestDatabase::sqlite()).await;
    let interop = spawn("node", "node", "server.js", &server.issuer, &server.issuer).await;
    accepts_genuine_and_refuses_tampered(&server, &interop, "express-jwt").await;
    keeps_accepting_across_a_rotation(&server, &interop, "express-jwt").await;
    let fake = FakeIssuer::start().await;
    let interop = spawn("node", "node", "server.js", &fake.url, AUDIENCE).await;
    refuses_well_signed_but_wrong_tokens(&fake, &interop, "express-jwt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyjwt_with_pyjwkclient_accepts_latchkey_tokens_and_refuses_tampered_ones() {
    let checks: [(&str, &[&str], &str); 2] = [
        ("python3", &["--version"], "python3 is not installed"),
        (
            "python3",
            &["-c", "import jwt, cryptography"],
            "PyJWT[crypto] is not installed (pip install -r interop/python/requirements.txt)",
        ),
    ];
    if !ready("python", &checks).await {
        return;
    }
    let server = Latchkey::on(TestDatabase::sqlite()).await;
    let interop = spawn("python", "python3", "server.py", &server.issuer, &server.issuer).await;
    accepts_genuine_and_refuses_tampered(&server, &interop, "PyJWT").await;
    keeps_accepting_across_a_rotation(&server, &interop, "PyJWT").await;
    let fake = FakeIssuer::start().await;
    let interop = spawn("python", "python3", "server.py", &fake.url, AUDIENCE).await;
    refuses_well_signed_but_wrong_tokens(&fake, &interop, "PyJWT").await;
}
