//! Step-up authentication (RFC 9470) from the client's side: a route that needs a
//! second-factor sign-in within 300 s refuses a token whose `acr` is missing or another
//! class, or whose `auth_time` is too old, with `401 insufficient_user_authentication` and the
//! `acr_values` and `max_age` to ask for, challenged as `Bearer`, or as `DPoP` for a bound
//! token; a token that meets it passes.

use latchkey_crypto::Algorithm;
use latchkey_server::testing::DpopProver;
use serde_json::{json, Value};

use crate::fake_issuer::{now, FakeIssuer, AUDIENCE};
use crate::protected::{Protected, Reply, STEP_UP_ACR};

fn assert_step_up(reply: &Reply, scheme: &str) {
    assert_eq!(reply.status, 401, "{:?} {}", reply.challenge, reply.body);
    let challenge = reply.challenge.as_deref().unwrap();
    assert!(challenge.starts_with(&format!("{scheme} realm=\"{AUDIENCE}\"")), "{challenge}");
    assert!(challenge.contains("error=\"insufficient_user_authentication\""), "{challenge}");
    assert!(challenge.contains(&format!("acr_values=\"{STEP_UP_ACR}\", max_age=\"300\"")), "{challenge}");
    assert_eq!(reply.body["error"], "insufficient_user_authentication");
    assert_eq!(
        (reply.body["acr_values"].as_str(), reply.body["max_age"].as_i64()),
        (Some(STEP_UP_ACR), Some(300))
    );
}

fn signed_in(issuer: &FakeIssuer, acr: Option<&str>, seconds_ago: i64) -> Value {
    let mut claims = issuer.claims();
    claims["auth_time"] = json!(now() - seconds_ago);
    if let Some(acr) = acr {
        claims["acr"] = json!(acr);
    }
    claims
}

#[tokio::test]
async fn a_bearer_token_without_the_required_sign_in_gets_the_rfc_9470_challenge() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    let cases = [
        ("acr missing", signed_in(&issuer, None, 10)),
        ("acr insufficient", signed_in(&issuer, Some("urn:latchkey:acr:pwd"), 10)),
        ("auth_time too old", signed_in(&issuer, Some(STEP_UP_ACR), 301)),
    ];
    for (name, claims) in cases {
        let reply = app.get("/step-up", &issuer.sign(&claims)).await;
        assert_eq!(reply.status, 401, "{name}");
        assert_step_up(&reply, "Bearer");
    }
    let mut no_auth_time = signed_in(&issuer, Some(STEP_UP_ACR), 0);
    no_auth_time.as_object_mut().unwrap().remove("auth_time");
    assert_step_up(&app.get("/step-up", &issuer.sign(&no_auth_time)).await, "Bearer");

    let reply = app.get("/step-up", &issuer.sign(&signed_in(&issuer, Some(STEP_UP_ACR), 10))).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, Some("stepped up")), "{}", reply.body);
    // Other routes do not ask for it.
    assert_eq!(app.get("/me", &issuer.sign(&signed_in(&issuer, None, 100_000))).await.status, 200);
}

#[tokio::test]
async fn a_dpop_bound_token_gets_the_challenge_with_the_dpop_scheme() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start_dpop(issuer.guard()).await;
    let owner = DpopProver::new(Algorithm::ES256);
    let url = format!("{}/step-up", app.url);
    let bound = |acr, seconds_ago| {
        let mut claims = signed_in(&issuer, acr, seconds_ago);
        claims["cnf"] = json!({ "jkt": owner.jkt() });
        issuer.sign(&claims)
    };
    let app = &app;
    let send = |token: String| {
        let proof = owner.proof("GET", &url, now(), Some(&token));
        let headers = [("authorization", format!("DPoP {token}")), ("dpop", proof)];
        async move { app.get_with("/step-up", &headers).await }
    };
    let reply = send(bound(Some(STEP_UP_ACR), 3_600)).await;
    assert_step_up(&reply, "DPoP");
    assert!(reply.challenge.unwrap().contains("algs=\"ES256 EdDSA RS256\""));
    assert_step_up(&send(bound(None, 10)).await, "DPoP");
    assert_eq!(send(bound(Some(STEP_UP_ACR), 10)).await.status, 200);
}
