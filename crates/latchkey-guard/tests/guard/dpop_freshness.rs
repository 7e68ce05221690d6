//! How fresh a DPoP proof must be at the guard (RFC 9449 §8.2, §11.1), with an injected clock:
//! the `iat` window is the builder's (a phone whose clock runs minutes ahead can be let in
//! without accepting old proofs), and a guard that requires nonces sends the next one on a
//! successful answer once the client's is due to change, so the client never has to be
//! refused with `use_dpop_nonce` again.

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::clock::{Clock, ManualClock};
use latchkey_crypto::Algorithm;
use latchkey_guard::GuardBuilder;
use latchkey_server::testing::DpopProver;
use serde_json::json;

use crate::fake_issuer::{now, FakeIssuer};
use crate::protected::Protected;

/// A token from `issuer` bound to `owner`, valid for an hour.
fn bound_token(issuer: &FakeIssuer, owner: &DpopProver) -> String {
    let mut claims = issuer.claims();
    claims["exp"] = json!(now() + 3_600);
    claims["cnf"] = json!({ "jkt": owner.jkt() });
    issuer.sign(&claims)
}

async fn send(app: &Protected, token: &str, proof: String) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/me", app.url))
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof)
        .send()
        .await
        .unwrap()
}

fn guard(issuer: &FakeIssuer, clock: &Arc<ManualClock>) -> GuardBuilder {
    issuer.guard().clock(clock.clone())
}

#[tokio::test]
async fn the_proof_iat_window_is_configurable_for_skewed_mobile_clocks() {
    let issuer = FakeIssuer::start().await;
    let clock = Arc::new(ManualClock::new(now()));
    let owner = DpopProver::new(Algorithm::ES256);
    let token = bound_token(&issuer, &owner);
    let default = Protected::start_dpop(guard(&issuer, &clock)).await;
    let skewed = Protected::start_dpop(
        guard(&issuer, &clock).dpop_proof_window(Duration::from_secs(30), Duration::from_secs(600)),
    )
    .await;
    let proof = |app: &Protected, iat: i64| owner.proof("GET", &format!("{}/me", app.url), iat, Some(&token));
    let t = clock.now();

    assert_eq!(send(&default, &token, proof(&default, t + 300)).await.status(), 401, "5 min ahead: default");
    assert_eq!(send(&skewed, &token, proof(&skewed, t + 300)).await.status(), 200, "5 min ahead: widened");
    assert_eq!(send(&skewed, &token, proof(&skewed, t + 700)).await.status(), 401, "beyond the window");
    assert_eq!(send(&default, &token, proof(&default, t - 60)).await.status(), 200, "a minute old: default");
    assert_eq!(send(&skewed, &token, proof(&skewed, t - 60)).await.status(), 401, "older than max_age");
}

#[tokio::test]
async fn a_nonce_due_to_change_is_replaced_on_a_successful_answer() {
    let issuer = FakeIssuer::start().await;
    let clock = Arc::new(ManualClock::new((now() / 60 + 1) * 60));
    let owner = DpopProver::new(Algorithm::ES256);
    let token = bound_token(&issuer, &owner);
    let app = Protected::start_dpop(guard(&issuer, &clock).dpop_nonce_secret([9; 32])).await;
    let url = format!("{}/me", app.url);
    let with_nonce = |nonce: &str| {
        let mut claims = owner.claims("GET", &url, clock.now(), Some(&token));
        claims["nonce"] = nonce.into();
        owner.sign(&owner.header(), &claims)
    };

    let first = send(&app, &token, owner.proof("GET", &url, clock.now(), Some(&token))).await;
    assert_eq!(first.status(), 401);
    let nonce = first.headers()["dpop-nonce"].to_str().unwrap().to_owned();

    let current = send(&app, &token, with_nonce(&nonce)).await;
    assert_eq!(current.status(), 200);
    assert!(current.headers().get("dpop-nonce").is_none(), "the nonce is current: nothing to replace");

    clock.advance(60);
    let due = send(&app, &token, with_nonce(&nonce)).await;
    assert_eq!(due.status(), 200, "still valid for this step");
    let next = due.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_ne!(next, nonce);

    clock.advance(60);
    assert_eq!(send(&app, &token, with_nonce(&nonce)).await.status(), 401, "the old nonce has expired");
    let replaced = send(&app, &token, with_nonce(&next)).await;
    assert_eq!(replaced.status(), 200, "the replacement works without a use_dpop_nonce round trip");
}
