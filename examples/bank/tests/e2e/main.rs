//! Latchkey + the bank + the client SDK, end to end over real HTTP: the scenario of the
//! guide. Latchkey and the bank's ledger run on SQLite, and on PostgreSQL when
//! LATCHKEY_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod step_up;
mod world;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use latchkey_client::{
    AuthorizedClient, Credentials, DpopKey, MemoryStore, OAuthClient, RefreshTokenStore, TokenManager,
};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_server::admin::NewClient;
use latchkey_store::on_both_backends;
use latchkey_store::testing::skip_unless_required;
use serde_json::{json, Value};

use world::{wall_clock, World, PASSWORD};

on_both_backends!(
    deposit_transfer_withdraw_and_history,
    retried_writes_never_move_money_twice,
    read_only_token_cannot_write_and_no_token_is_401,
    fifty_concurrent_calls_with_an_expired_token_cause_one_refresh,
    revoked_session_is_refused_by_the_bank_within_the_poll_interval,
    a_dpop_bound_session_banks_and_its_stolen_tokens_are_useless,
    oauth4webapi_gets_and_refreshes_dpop_tokens_and_calls_the_bank,
);

async fn deposit_transfer_withdraw_and_history(w: World) {
    let (alice, _) = w.sdk("alice", "bank:read bank:write").await;
    let (bob, _) = w.sdk("bob", "bank:read bank:write").await;
    assert_eq!(w.balance(&bob).await, 0, "bob's account opens on first use");

    assert_eq!(w.write(&alice, "/deposit", "d1", json!({"amount": 10_000})).await.0, 200);
    let (status, body) = w.write(&alice, "/transfer", "t1", json!({"to": "bob", "amount": 2_500})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["balance"], 7_500);
    assert_eq!(w.balance(&bob).await, 2_500);

    let (status, body) = w.write(&alice, "/withdraw", "w1", json!({"amount": 7_501})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("insufficient_funds")),
        "a balance never goes below zero"
    );
    assert_eq!(w.write(&alice, "/withdraw", "w2", json!({"amount": 7_500})).await.0, 200);
    assert_eq!(w.balance(&alice).await, 0);

    let (status, _) = w.write(&alice, "/transfer", "t2", json!({"to": "carol", "amount": 1})).await;
    assert_eq!(status, 404, "no account for an unknown recipient");
    for bad in [json!({"amount": 0}), json!({"amount": -5}), json!({"amount": 1.5}), json!({"amount": "10"})]
    {
        assert_eq!(w.write(&alice, "/deposit", &format!("bad-{bad}"), bad).await.0, 400);
    }

    let history: Value = alice.send(alice.get(w.url("/history"))).await.unwrap().json().await.unwrap();
    let kinds: Vec<&str> =
        history["transactions"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 3);
    assert!(kinds.contains(&"deposit") && kinds.contains(&"transfer_out") && kinds.contains(&"withdrawal"));
    let bob_history: Value = bob.send(bob.get(w.url("/history"))).await.unwrap().json().await.unwrap();
    assert_eq!(bob_history["transactions"][0]["kind"], "transfer_in");
    assert_eq!(bob_history["transactions"][0]["counterparty"], "alice");
}

async fn retried_writes_never_move_money_twice(w: World) {
    let (alice, _) = w.sdk("alice", "bank:read bank:write").await;
    let first = w.write(&alice, "/deposit", "same-key", json!({"amount": 500})).await;
    let retries =
        join_all((0..10).map(|_| w.write(&alice, "/deposit", "same-key", json!({"amount": 500})))).await;
    for retry in &retries {
        assert_eq!(retry, &first, "a retry gets the first answer");
    }
    assert_eq!(w.balance(&alice).await, 500, "the money moved once");
    // Concurrent first attempts with one new key: the money still moves once.
    let racing =
        join_all((0..10).map(|_| w.write(&alice, "/deposit", "racing-key", json!({"amount": 100})))).await;
    assert!(racing.iter().all(|(status, _)| *status == 200), "{racing:?}");
    assert!(racing.windows(2).all(|pair| pair[0] == pair[1]), "every racer gets the winner's answer");
    assert_eq!(w.balance(&alice).await, 600);
    let (status, _) = w.write(&alice, "/deposit", "same-key", json!({"amount": 501})).await;
    assert_eq!(status, 422, "a key reused for another request is refused");
    let missing = alice.send(alice.post(w.url("/deposit")).json(&json!({"amount": 1}))).await.unwrap();
    assert_eq!(missing.status(), 400, "writes need an Idempotency-Key");
}

async fn read_only_token_cannot_write_and_no_token_is_401(w: World) {
    let (reader, _) = w.sdk("alice", "bank:read").await;
    assert_eq!(w.balance(&reader).await, 0);
    let response = reader
        .send(reader.post(w.url("/deposit")).header("idempotency-key", "k").json(&json!({"amount": 1})))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let challenge = response.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    let anonymous = w.http.get(w.url("/balance")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(w.http.get(w.url("/healthz")).send().await.unwrap().status(), 200, "public path");
}

async fn fifty_concurrent_calls_with_an_expired_token_cause_one_refresh(w: World) {
    // Log in "400 s ago": the access token (300 s) has expired by the bank's clock, while the
    // SDK, which just received it, still believes it fresh — the case where only the
    // resource server's 401 reveals the expiry.
    w.clock.set(wall_clock() - 400);
    let (alice, _) = w.sdk("alice", "bank:read bank:write").await;
    w.clock.set(wall_clock());
    let before = w.refreshes().await;
    let answers = join_all((0..50).map(|_| alice.send(alice.get(w.url("/balance"))))).await;
    for answer in answers {
        assert_eq!(answer.unwrap().status(), 200, "no error reaches the caller");
    }
    let after = w.refreshes().await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 0), "exactly one refresh reached the server");
}

async fn revoked_session_is_refused_by_the_bank_within_the_poll_interval(w: World) {
    let (alice, tokens) = w.sdk("alice", "bank:read bank:write").await;
    assert_eq!(w.balance(&alice).await, 0);
    let access_token = tokens.access_token().await.unwrap();
    let logout =
        w.http.post(format!("{}/account/logout", w.issuer)).bearer_auth(&access_token).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    let started = Instant::now();
    loop {
        let status = w.http.get(w.url("/balance")).bearer_auth(&access_token).send().await.unwrap().status();
        if status == 401 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the bank still accepts a revoked session's token"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// RFC 9449 end to end: the SDK binds the session to a key (server nonces at the token
/// endpoint and at the bank are fetched and retried by itself); a thief holding the access
/// and refresh tokens but not the key gets nothing from the bank or the token endpoint, and
/// the owner's session goes on.
async fn a_dpop_bound_session_banks_and_its_stolen_tokens_are_useless(w: World) {
    let credentials = Credentials { client_id: w.dpop_app_client_id.clone(), client_secret: None };
    let client = OAuthClient::discover(w.http.clone(), &w.issuer, credentials).await.unwrap();
    let store = Arc::new(MemoryStore::default());
    let tokens = TokenManager::builder(client.clone()).dpop(true).store(store.clone()).build();
    tokens.password_login("alice", PASSWORD, Some("bank:read bank:write")).await.unwrap();
    let api = AuthorizedClient::new(w.http.clone(), tokens.clone());
    assert_eq!(w.write(&api, "/deposit", "dpop-1", json!({"amount": 300})).await.0, 200);
    assert_eq!(w.balance(&api).await, 300);

    let access = tokens.access_token().await.unwrap();
    let refresh = store.load().await.unwrap().unwrap();
    let as_bearer = w.http.get(w.url("/balance")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(as_bearer.status(), 401);
    assert!(as_bearer.headers()["www-authenticate"].to_str().unwrap().starts_with("DPoP "));
    let no_proof =
        w.http.get(w.url("/balance")).header("authorization", format!("DPoP {access}")).send().await.unwrap();
    assert_eq!(no_proof.status(), 401);
    let thief = client.with_dpop(Arc::new(DpopKey::generate().unwrap()));
    let refused = thief.refresh(&refresh).await.unwrap_err();
    assert_eq!(refused.oauth_code().map(|c| c.as_str()), Some("invalid_grant"), "{refused}");
    let form =
        [("grant_type", "refresh_token"), ("client_id", &w.dpop_app_client_id), ("refresh_token", &refresh)];
    let proofless = w.http.post(format!("{}/token", w.issuer)).form(&form).send().await.unwrap();
    assert_eq!(proofless.status(), 400);

    let renewed = tokens.on_unauthorized(&access).await.unwrap();
    assert_ne!(renewed, access, "the owner refreshes: the thief's attempts ended nothing");
    assert_eq!(w.balance(&api).await, 300);
}

/// Interop (RFC 9449): panva's oauth4webapi, a DPoP implementation we did not write, gets a
/// bound code (`dpop_jkt`) and tokens, refreshes, and calls the bank, with nonces at both
/// ends (`e2e/dpop.mjs`; needs `npm ci --prefix e2e`, which `scripts/test.sh` runs).
async fn oauth4webapi_gets_and_refreshes_dpop_tokens_and_calls_the_bank(w: World) {
    let e2e = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if !e2e.join("node_modules/oauth4webapi").exists() {
        skip_unless_required("missing e2e/node_modules (run `npm ci --prefix e2e`)");
        return;
    }
    let redirect_uri = "http://127.0.0.1/callback";
    let spec = NewClient {
        redirect_uris: vec![redirect_uri.into()],
        require_consent: false,
        dpop: DpopPolicy::Required,
        dpop_nonce: true,
        ..NewClient::new(
            "oauth4webapi",
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            Scope::parse("bank:read bank:write").unwrap(),
        )
    };
    let (client, _) = w.latchkey.add_client(spec, w.clock.now()).await.unwrap();
    let output = tokio::process::Command::new("node")
        .arg("dpop.mjs")
        .current_dir(&e2e)
        .envs([
            ("ISSUER", w.issuer.as_str()),
            ("CLIENT_ID", client.id.as_str()),
            ("REDIRECT_URI", redirect_uri),
            ("USERNAME", "alice"),
            ("PASSWORD", PASSWORD),
            ("BANK", w.bank.as_str()),
        ])
        .kill_on_drop(true)
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(120), output).await.expect("dpop.mjs finishes").unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "dpop.mjs failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("refresh with DPoP: ok"), "{stdout}");
}
