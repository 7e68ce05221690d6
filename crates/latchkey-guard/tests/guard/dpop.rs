//! DPoP-bound tokens at a resource server (RFC 9449 §7) from the attacker's side: a token
//! bound by a real Latchkey passes the guard only with `Authorization: DPoP` and a fresh
//! proof of its key for this request; each wrong header or claim, a replay, the token sent
//! as `Bearer` or without a proof are refused with a `DPoP` challenge; nonces; and a guard
//! for several instances refuses to start with a replay store that is not shared.

use latchkey_core::clock::{Clock, SystemClock};
use latchkey_crypto::Algorithm;
use latchkey_guard::{Guard, GuardError};
use latchkey_server::testing::DpopProver;
use serde_json::{json, Value};

use crate::latchkey::Latchkey;
use crate::protected::{Protected, Reply};
use latchkey_store::on_both_backends;

on_both_backends!(
    a_bound_token_passes_only_with_a_fitting_proof,
    a_bound_token_without_its_proof_is_refused,
    a_guard_that_needs_a_nonce_hands_one_out,
    several_instances_need_a_shared_replay_store,
);

fn guard(server: &Latchkey) -> latchkey_guard::GuardBuilder {
    Guard::builder().issuer(server.issuer.clone()).audience(server.issuer.clone())
}

fn assert_dpop_refusal(reply: &Reply, code: &str) {
    assert_eq!(reply.status, 401, "{:?} {}", reply.challenge, reply.body);
    let challenge = reply.challenge.as_deref().unwrap();
    assert!(
        challenge.starts_with("DPoP realm=\"") && challenge.contains("algs=\"ES256 EdDSA RS256\""),
        "{challenge}"
    );
    assert!(challenge.contains(&format!("error=\"{code}\"")), "{challenge}");
    assert_eq!(reply.body["error"], code);
}

async fn get_bound(app: &Protected, token: &str, proof: &str) -> Reply {
    app.get_with("/me", &[("authorization", format!("DPoP {token}")), ("dpop", proof.to_owned())]).await
}

type Mutation = fn(&mut Value, &mut Value, now: i64);

async fn a_bound_token_passes_only_with_a_fitting_proof(server: Latchkey) {
    let app = Protected::start_dpop(guard(&server)).await;
    let owner = DpopProver::new(Algorithm::ES256);
    let token = server.login_bound(&owner).await["access_token"].as_str().unwrap().to_owned();
    let url = format!("{}/me", app.url);
    let table: [(&str, Mutation); 13] = [
        ("typ", |h, _, _| h["typ"] = json!("JWT")),
        ("alg none", |h, _, _| h["alg"] = json!("none")),
        ("alg HS256", |h, _, _| h["alg"] = json!("HS256")),
        ("private jwk", |h, _, _| h["jwk"]["d"] = json!("c2VjcmV0LXNjYWxhci1vZi10aGUta2V5LTAwMDAwMDA")),
        ("short jti", |_, c, _| c["jti"] = json!("short")),
        ("htm", |_, c, _| c["htm"] = json!("POST")),
        ("htu scheme", |_, c, _| c["htu"] = json!(c["htu"].as_str().unwrap().replace("http:", "https:"))),
        ("htu path", |_, c, _| c["htu"] = json!(c["htu"].as_str().unwrap().replace("/me", "/read"))),
        ("htu host", |_, c, _| {
            c["htu"] = json!(c["htu"].as_str().unwrap().replace("127.0.0.1", "localhost"))
        }),
        ("iat old", |_, c, now| c["iat"] = json!(now - 400)),
        ("iat future", |_, c, now| c["iat"] = json!(now + 120)),
        ("ath", |_, c, _| c["ath"] = json!("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")),
        ("ath missing", |_, c, _| drop(c.as_object_mut().unwrap().remove("ath"))),
    ];
    for (name, mutate) in table {
        let now = SystemClock.now();
        let (mut header, mut claims) = (owner.header(), owner.claims("GET", &url, now, Some(&token)));
        mutate(&mut header, &mut claims, now);
        let reply = get_bound(&app, &token, &owner.sign(&header, &claims)).await;
        assert_eq!(reply.status, 401, "{name}");
        assert_dpop_refusal(&reply, "invalid_dpop_proof");
    }
    let thief = DpopProver::new(Algorithm::ES256);
    let stolen = thief.proof("GET", &url, SystemClock.now(), Some(&token));
    assert_dpop_refusal(&get_bound(&app, &token, &stolen).await, "invalid_dpop_proof");

    let good = owner.proof("GET", &format!("{url}?query=ignored"), SystemClock.now(), Some(&token));
    let reply = get_bound(&app, &token, &good).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_dpop_refusal(&get_bound(&app, &token, &good).await, "invalid_dpop_proof");
}

async fn a_bound_token_without_its_proof_is_refused(server: Latchkey) {
    let app = Protected::start_dpop(guard(&server)).await;
    let owner = DpopProver::new(Algorithm::EdDSA);
    let token = server.login_bound(&owner).await["access_token"].as_str().unwrap().to_owned();
    assert_dpop_refusal(&app.get("/me", &token).await, "invalid_token");
    let proofless = app.get_with("/me", &[("authorization", format!("DPoP {token}"))]).await;
    assert_dpop_refusal(&proofless, "invalid_dpop_proof");
    let url = format!("{}/me", app.url);
    let (a, b) = (
        owner.proof("GET", &url, SystemClock.now(), Some(&token)),
        owner.proof("GET", &url, SystemClock.now(), Some(&token)),
    );
    let two =
        app.get_with("/me", &[("authorization", format!("DPoP {token}")), ("dpop", a), ("dpop", b)]).await;
    assert_dpop_refusal(&two, "invalid_dpop_proof");

    // A guard that was not told its public URL accepts no bound token at all.
    let plain = Protected::start(guard(&server).build().await.unwrap()).await;
    let proof = owner.proof("GET", &format!("{}/me", plain.url), SystemClock.now(), Some(&token));
    assert_dpop_refusal(&get_bound(&plain, &token, &proof).await, "invalid_token");
    // An unbound token still passes as Bearer, and not as DPoP.
    let unbound = server.login().await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/me", &unbound).await.status, 200);
    let proof = owner.proof("GET", &url, SystemClock.now(), Some(&unbound));
    assert_dpop_refusal(&get_bound(&app, &unbound, &proof).await, "invalid_token");
}

async fn a_guard_that_needs_a_nonce_hands_one_out(server: Latchkey) {
    let app = Protected::start_dpop(guard(&server).dpop_nonce_secret([7; 32])).await;
    let owner = DpopProver::new(Algorithm::ES256);
    let token = server.login_bound(&owner).await["access_token"].as_str().unwrap().to_owned();
    let url = format!("{}/me", app.url);
    let response = reqwest::Client::new()
        .get(&url)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", owner.proof("GET", &url, SystemClock.now(), Some(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let nonce = response.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert!(response.headers()["www-authenticate"].to_str().unwrap().contains("use_dpop_nonce"));
    let mut claims = owner.claims("GET", &url, SystemClock.now(), Some(&token));
    claims["nonce"] = nonce.into();
    let reply = get_bound(&app, &token, &owner.sign(&owner.header(), &claims)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn several_instances_need_a_shared_replay_store(server: Latchkey) {
    let err = guard(&server).dpop("https://bank.example").instances(3).build().await.unwrap_err();
    assert!(matches!(err, GuardError::ReplayStoreNotShared(3)), "{err}");
    assert!(err.to_string().contains("dpop_replay_store"), "{err}");
    assert!(guard(&server).dpop("https://bank.example").instances(1).build().await.is_ok());
}
