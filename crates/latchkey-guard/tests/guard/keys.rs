//! The key cache from the attacker's side (forged kids must not make the guard hammer the
//! issuer) and the operator's (a rotated key is picked up without a restart).

use futures::future::join_all;
use latchkey_crypto::{Algorithm, SigningKey};
use serde_json::json;

use crate::fake_issuer::FakeIssuer;
use crate::protected::Protected;

#[tokio::test]
async fn a_hundred_forged_kids_cost_the_issuer_at_most_one_extra_fetch() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    assert_eq!(issuer.jwks_fetches(), 1, "the build fetches the keys once");

    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let tokens: Vec<String> = (0..100)
        .map(|i| {
            let mut claims = issuer.claims();
            claims["jti"] = json!(format!("forged-{i}"));
            // The attacker's key names itself; its kid is unknown to the issuer's JWKS.
            let token = attacker.sign_jwt("at+jwt", &claims).unwrap();
            let forged_kid = format!(r#"{{"alg":"ES256","typ":"at+jwt","kid":"forged-{i}"}}"#);
            let header =
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, forged_kid);
            if i % 2 == 0 {
                token
            } else {
                let rest = token.split_once('.').unwrap().1;
                format!("{header}.{rest}")
            }
        })
        .collect();
    // Half at once (single flight), half one after another (the rate limit).
    let (concurrent, sequential) = tokens.split_at(50);
    let mut replies = join_all(concurrent.iter().map(|t| app.get("/me", t))).await;
    for token in sequential {
        replies.push(app.get("/me", token).await);
    }
    for reply in &replies {
        reply.assert_invalid_token();
    }
    assert!(replies.iter().any(|r| r.description().contains("no key with id")));
    let fetches = issuer.jwks_fetches();
    assert!((1..=2).contains(&fetches), "{fetches} JWKS fetches for 100 forged kids");

    // The genuine token still passes without another fetch.
    assert_eq!(app.get("/me", &issuer.token()).await.status, 200);
    assert_eq!(issuer.jwks_fetches(), fetches);
}

#[tokio::test]
async fn a_key_rotated_in_at_the_issuer_is_accepted_without_a_restart() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    let next = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let token = next.sign_jwt("at+jwt", &issuer.claims()).unwrap();
    // Not yet published: refused (this fetch also shows the key is not there).
    app.get("/me", &token).await.assert_invalid_token();

    issuer.publish(&next);
    // The refused token's refetch was moments ago; the rate limit holds for 10 s, after
    // which the next unknown kid refetches. Poll with a bounded deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let reply = app.get("/me", &token).await;
        if reply.status == 200 {
            break;
        }
        reply.assert_invalid_token();
        assert!(std::time::Instant::now() < deadline, "the rotated key was never picked up");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // Both keys verify now; the old one was not dropped.
    assert_eq!(app.get("/me", &issuer.token()).await.status, 200);
    assert!(issuer.jwks_fetches() <= 3, "{}", issuer.jwks_fetches());
}

#[tokio::test]
async fn a_new_key_is_picked_up_at_once_when_no_refetch_happened_recently() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    let next = SigningKey::generate(Algorithm::RS256).unwrap();
    issuer.publish(&next);
    let token = next.sign_jwt("at+jwt", &issuer.claims()).unwrap();
    assert_eq!(app.get("/me", &token).await.status, 200);
    assert_eq!(issuer.jwks_fetches(), 2);
}

#[tokio::test]
async fn a_failing_jwks_endpoint_leaves_valid_tokens_verifiable_and_is_not_hammered() {
    let issuer = FakeIssuer::start().await;
    let app = Protected::start(issuer.guard().build().await.unwrap()).await;
    assert_eq!(app.get("/me", &issuer.token()).await.status, 200);
    issuer.fail_jwks(true);

    // A token of a key not yet known makes the guard refetch: the issuer answers 500.
    let next = SigningKey::generate(Algorithm::ES256).unwrap();
    let unknown = next.sign_jwt("at+jwt", &issuer.claims()).unwrap();
    let replies = join_all((0..50).map(|_| app.get("/me", &unknown))).await;
    for reply in &replies {
        reply.assert_invalid_token();
    }
    assert_eq!(issuer.jwks_fetches(), 2, "one refetch for fifty requests, and it failed");
    // The keys it had are kept: genuine tokens still pass.
    assert_eq!(app.get("/me", &issuer.token()).await.status, 200);
    assert_eq!(issuer.jwks_fetches(), 2);
}
