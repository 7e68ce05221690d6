//! A hostile upstream through the whole flow, on both backends: ID tokens with a forged
//! signature, `alg: none`, another audience, or a `nonce` that is not this flow's each end on
//! an error page and a `federation_failed` audit event, and nobody is signed in or created.
//! (Every ID-token check on its own is tested by `tests/federation_upstream/`; this is the
//! provider of `hostile.rs` there, driven through Latchkey's callback.)

use latchkey_core::federation_linking::Linking;
use latchkey_crypto::{Algorithm, SigningKey};
use serde_json::json;

use crate::federation::add_upstream_hostile;
use crate::flow::{location, query_of, Browser, Rp};
use crate::hostile::{token_with_header, HostileProvider, NONCE};
use crate::testkit::TestServer;

latchkey_store::on_both_backends!(hostile_id_tokens_sign_nobody_in);

async fn hostile_id_tokens_sign_nobody_in(server: TestServer) {
    let hostile = HostileProvider::start().await;
    add_upstream_hostile(&server, &hostile.issuer, Linking::Never).await;
    let rp = Rp::register(&server, "openid").await;
    let kid = hostile.key.kid().to_owned();
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let good = hostile.good_claims();
    let forged = token_with_header(&json!({"alg": "ES256", "kid": kid, "typ": "JWT"}), &good, |input| {
        attacker.sign_raw(input).unwrap()
    });
    let none = token_with_header(&json!({"alg": "none", "kid": kid}), &good, |_| Vec::new());
    let mut other_audience = good.clone();
    other_audience["aud"] = json!("someone-else");
    let other_audience = hostile.key.sign_jwt("JWT", &other_audience).unwrap();
    // Validly signed, but its nonce is not the one this flow sent.
    assert_eq!(good["nonce"], NONCE);
    let replayed_nonce = hostile.key.sign_jwt("JWT", &good).unwrap();

    for (what, id_token) in
        [("forged", forged), ("none", none), ("audience", other_audience), ("nonce", replayed_nonce)]
    {
        hostile.hand_out(id_token);
        let mut browser = Browser::new(&server);
        let start = browser.get(&rp.authorize_url(&[("scope", "openid"), ("idp_hint", "hostile")])).await;
        let upstream = location(&start);
        assert!(upstream.starts_with(&hostile.issuer), "{what}: {upstream}");
        let state = query_of(&upstream)["state"].clone();
        let callback = format!("/federation/hostile/callback?state={state}&code=code-1");
        let page = browser.get(&callback).await;
        assert_eq!(page.status(), 400, "{what}");
        assert!(page.text().await.unwrap().contains("ID token was refused"), "{what}");
        assert!(browser.cookies.keys().all(|name| !name.contains("session")), "{what}: nobody signed in");
    }
    assert!(server.store.list_users().await.unwrap().is_empty(), "no user created");
    let failures = server.store.audit_events(None, 50).await.unwrap();
    let upstream_failures = failures
        .iter()
        .filter(|e| {
            e.kind == "federation_failed" && e.detail.as_deref() == Some("provider=hostile reason=upstream")
        })
        .count();
    assert_eq!(upstream_failures, 4);
}
