//! Every way a token can be wrong, forged or oversized, sent to a protected app by an
//! attacker: each must be refused with the right RFC 6750 §3.1 answer, and a genuine token
//! must pass (so these tests fail when the guard refuses everything, too).

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::{Algorithm, SigningKey};
use serde_json::{json, Value};

use crate::fake_issuer::{now, FakeIssuer, AUDIENCE};
use crate::protected::Protected;

async fn setup() -> (FakeIssuer, Protected) {
    let issuer = FakeIssuer::start().await;
    let guard = issuer.guard().build().await.unwrap();
    let app = Protected::start(guard).await;
    (issuer, app)
}

fn b64(json: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(json).unwrap())
}

/// A compact JWS with any header, signed by `sign` over the signing input.
fn forge(header: &Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[tokio::test]
async fn a_genuine_token_passes_and_the_handler_sees_its_claims() {
    let (issuer, app) = setup().await;
    let reply = app.get("/me", &issuer.token()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["sub"], "user-1");
    assert_eq!(reply.body["sid"], "session-1");
    assert_eq!(reply.body["iss"], issuer.url);

    let mut claims = issuer.claims();
    claims["aud"] = json!(["https://other.example", AUDIENCE]);
    assert_eq!(app.get("/me", &issuer.sign(&claims)).await.status, 200);
}

#[tokio::test]
async fn wrong_issuer_and_wrong_audience_are_refused() {
    let (issuer, app) = setup().await;
    let mut claims = issuer.claims();
    claims["iss"] = json!("https://evil.example");
    let reply = app.get("/me", &issuer.sign(&claims)).await;
    reply.assert_invalid_token();
    assert!(reply.description().contains("issued by"), "{}", reply.description());

    let mut claims = issuer.claims();
    claims["aud"] = json!(["https://other.example"]);
    let reply = app.get("/me", &issuer.sign(&claims)).await;
    reply.assert_invalid_token();
    assert!(reply.description().contains("audience"), "{}", reply.description());
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused_beyond_the_leeway() {
    let (issuer, app) = setup().await;
    let mut claims = issuer.claims();
    claims["iat"] = json!(now() - 400);
    claims["exp"] = json!(now() - 60);
    let reply = app.get("/me", &issuer.sign(&claims)).await;
    reply.assert_invalid_token();
    assert!(reply.description().contains("expired"), "{}", reply.description());

    let mut claims = issuer.claims();
    claims["nbf"] = json!(now() + 60);
    let reply = app.get("/me", &issuer.sign(&claims)).await;
    reply.assert_invalid_token();
    assert!(reply.description().contains("not valid for another"), "{}", reply.description());

    // One second of skew is inside the default 5 s leeway.
    let mut claims = issuer.claims();
    claims["exp"] = json!(now() - 1);
    assert_eq!(app.get("/me", &issuer.sign(&claims)).await.status, 200);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (issuer, app) = setup().await;
    for header in [
        json!({"alg": "none", "typ": "at+jwt", "kid": issuer.key.kid()}),
        json!({"alg": "none", "typ": "at+jwt"}),
        json!({"alg": "None", "typ": "at+jwt", "kid": issuer.key.kid()}),
    ] {
        let unsigned = format!("{}.{}.", b64(&header), b64(&issuer.claims()));
        app.get("/me", &unsigned).await.assert_invalid_token();
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (issuer, app) = setup().await;
    let jwk = issuer.key.public_jwk();
    let jwk_json = serde_json::to_vec(&jwk).unwrap();
    // The raw SEC1 point, as a PEM-less "public key bytes" confusion would use.
    let mut raw = vec![4u8];
    raw.extend(URL_SAFE_NO_PAD.decode(jwk.x.as_ref().unwrap()).unwrap());
    raw.extend(URL_SAFE_NO_PAD.decode(jwk.y.as_ref().unwrap()).unwrap());
    for secret in [jwk_json, raw] {
        let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": issuer.key.kid()});
        let token = forge(&header, &issuer.claims(), |input| {
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &secret), input).as_ref().to_vec()
        });
        let reply = app.get("/me", &token).await;
        reply.assert_invalid_token();
        assert!(reply.description().contains("HS256"), "{}", reply.description());
    }
}

#[tokio::test]
async fn an_id_token_or_plain_jwt_is_not_an_access_token() {
    let (issuer, app) = setup().await;
    for typ in ["JWT", "jwt", "application/jwt"] {
        let token = issuer.key.sign_jwt(typ, &issuer.claims()).unwrap();
        let reply = app.get("/me", &token).await;
        reply.assert_invalid_token();
        assert!(reply.description().contains("not an access token"), "{}", reply.description());
    }
    let header = json!({"alg": "ES256", "kid": issuer.key.kid()});
    let token = forge(&header, &issuer.claims(), |input| issuer.key.sign_raw(input).unwrap());
    app.get("/me", &token).await.assert_invalid_token();
}

#[tokio::test]
async fn tampered_payloads_and_foreign_signatures_are_refused() {
    let (issuer, app) = setup().await;
    let genuine = issuer.token();
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut escalated = issuer.claims();
    escalated["scope"] = json!("profile bank:read bank:write");
    let tampered = format!("{}.{}.{}", parts[0], b64(&escalated), parts[2]);
    app.get("/write", &tampered).await.assert_invalid_token();

    // The attacker's own key, under the victim's kid.
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": issuer.key.kid()});
    let token = forge(&header, &escalated, |input| attacker.sign_raw(input).unwrap());
    let reply = app.get("/write", &token).await;
    reply.assert_invalid_token();
    assert!(reply.description().contains("signature"), "{}", reply.description());

    // Another algorithm under the victim's kid.
    let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": issuer.key.kid()});
    let token = forge(&header, &escalated, |input| rsa.sign_raw(input).unwrap());
    app.get("/write", &token).await.assert_invalid_token();
}

#[tokio::test]
async fn garbage_is_refused_as_an_invalid_token() {
    let (_issuer, app) = setup().await;
    for garbage in
        ["abc.def.ghi", "not-a-jwt", "a.b", "....", "e30.e30.e30", "!!!", "eyJhbGciOiJFUzI1NiJ9.@@@.x"]
    {
        let reply = app.get("/me", garbage).await;
        reply.assert_invalid_token();
    }
}

#[tokio::test]
async fn far_too_large_headers_and_tokens_are_refused_before_parsing() {
    let (issuer, app) = setup().await;
    // A genuine header and signature around a huge payload: only the size can refuse it.
    let mut claims = issuer.claims();
    claims["padding"] = json!("x".repeat(9 * 1024));
    let reply = app.get("/me", &issuer.sign(&claims)).await;
    reply.assert_invalid_request();
    assert!(reply.description().contains("longer than"), "{}", reply.description());

    let huge = "a".repeat(64 * 1024);
    app.get("/me", &huge).await.assert_invalid_request();
    let cookie = [("cookie", format!("at={huge}"))];
    assert_eq!(app.get_with("/me", &cookie).await.status, 401, "no cookie mode: the cookie is not read");
}

#[tokio::test]
async fn no_token_gets_a_bare_challenge_without_an_error_code() {
    let (_issuer, app) = setup().await;
    for headers in [vec![], vec![("authorization", "Basic dXNlcjpwYXNz".to_owned())]] {
        let reply = app.get_with("/me", &headers).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.challenge.as_deref(), Some(format!("Bearer realm=\"{AUDIENCE}\"").as_str()));
        assert!(reply.body.get("error").is_none(), "{}", reply.body);
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let (issuer, app) = setup().await;
    let token = issuer.token();
    for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
        let reply = app.get_with("/me", &[("authorization", format!("{scheme} {token}"))]).await;
        assert_eq!(reply.status, 200, "{scheme}");
    }
}

#[tokio::test]
async fn two_authorization_headers_are_a_bad_request() {
    let (issuer, app) = setup().await;
    let token = issuer.token();
    let headers =
        [("authorization", format!("Bearer {token}")), ("authorization", "Bearer x.y.z".to_owned())];
    app.get_with("/me", &headers).await.assert_invalid_request();
}
