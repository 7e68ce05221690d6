//! The guard's per-request cost against the raw signature check it cannot avoid.
//!
//! For ES256, EdDSA and RS256: `raw_verify` is `VerifyingKey::verify_raw` over a token's
//! signing input; `guard` is everything the guard does for a request — find the bearer token
//! in the headers, verify the JWS with the cached key set, check `typ`, `iss`, `aud`, `exp`,
//! `nbf`, and look the `sid` and `jti` up in a revocation cache holding 1,000 revoked
//! sessions. Budget (`docs/architecture.md`, "Performance budgets"): `guard` within 10 % of
//! `raw_verify`.
//!
//! DPoP (RFC 9449 §7): `raw_verify_twice` is the two signature checks a DPoP request needs
//! (the token's and the proof's, same algorithm); `dpop_guard` is everything the guard does for
//! it — the bearer work above plus finding the proof, verifying it with the key in its header
//! (JWK parse and thumbprint included), the `typ`/`htm`/`htu`/`iat`/`ath`/`cnf.jkt` checks and
//! the replay store call. The store here accepts every proof, so one proof can be sent again
//! and again; an in-memory or database store adds its own cost. Budget: `dpop_guard` within
//! 10 % of `raw_verify_twice`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use divan::{black_box, Bencher};
use latchkey_crypto::{Algorithm, Jwk, JwkSet, SigningKey, VerifyingKey};
use latchkey_guard::{Guard, ReplayFuture, ReplayStore};
use latchkey_server::testing::DpopProver;
use serde_json::json;

fn main() {
    divan::main();
}

const AUDIENCE: &str = "https://bank.example.com";

struct Fixture {
    guard: Guard,
    headers: HeaderMap,
    key: VerifyingKey,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    dpop_guard: Guard,
    dpop_headers: HeaderMap,
    proof_key: VerifyingKey,
    proof_signing_input: Vec<u8>,
    proof_signature: Vec<u8>,
    _runtime: tokio::runtime::Runtime,
}

/// A replay store that takes every proof as new, so that the benchmark can resend one.
struct AcceptAll;

impl ReplayStore for AcceptAll {
    fn record(&self, _: &str, _: i64, _: i64) -> ReplayFuture<'_> {
        Box::pin(std::future::ready(Ok(true)))
    }

    fn is_shared(&self) -> bool {
        true
    }
}

const PUBLIC_URL: &str = "https://bank.example.com";

fn split(token: &str) -> (Vec<u8>, Vec<u8>) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    (signing_input.as_bytes().to_vec(), URL_SAFE_NO_PAD.decode(signature).unwrap())
}

/// Polls a future that must complete without waiting (the guard's offline path never
/// awaits), so the measurement holds no executor cost.
fn now_or_never<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the guard waited on its offline path"),
    }
}

fn fixture(alg: Algorithm) -> Fixture {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let key = SigningKey::generate(alg).unwrap();
    let jwks = JwkSet { keys: vec![key.public_jwk()] };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let revoked: Vec<_> = (0..1000)
        .map(|i| json!({"type": "session", "sid": format!("s-{i}"), "revoked_at": now, "expires_at": now + 3600}))
        .collect();
    let (guard, dpop_guard, issuer) = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let feed = json!({"revocations": revoked, "next_since": now, "more": false});
        let app = Router::new()
            .route("/jwks.json", get(move || async move { Json(jwks) }))
            .route("/revocations", get(move || async move { Json(feed) }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let guard = Guard::builder()
            .issuer(base.clone())
            .jwks_uri(format!("{base}/jwks.json"))
            .audience(AUDIENCE)
            .revocation_feed("rs", "secret", Duration::from_secs(3600))
            .build()
            .await
            .unwrap();
        let dpop_guard = Guard::builder()
            .issuer(base.clone())
            .jwks_uri(format!("{base}/jwks.json"))
            .audience(AUDIENCE)
            .dpop(PUBLIC_URL)
            .dpop_replay_store(std::sync::Arc::new(AcceptAll))
            .build()
            .await
            .unwrap();
        (guard, dpop_guard, base)
    });
    let claims = json!({
        "iss": issuer, "sub": "7f3c9a4e-0b1d-4c55-9a2e-3f1b6d0e8c21", "aud": AUDIENCE,
        "exp": now + 3600, "iat": now, "jti": "q5Yw3vR1uK8mN2pL0sT7xZ4aB6cD", "client_id": "bank-web",
        "scope": "profile bank:read bank:write", "sid": "s-4b1e0f6a9c2d7e8f",
        "preferred_username": "alice", "roles": ["customer"],
    });
    let token = key.sign_jwt("at+jwt", &claims).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
    assert!(now_or_never(guard.authenticate("GET", "/", &headers)).is_ok());

    let prover = DpopProver::new(alg);
    let mut bound_claims = claims.clone();
    bound_claims["cnf"] = json!({ "jkt": prover.jkt() });
    let bound = key.sign_jwt("at+jwt", &bound_claims).unwrap();
    let proof = prover.proof("GET", &format!("{PUBLIC_URL}/balance"), now, Some(&bound));
    let mut dpop_headers = HeaderMap::new();
    dpop_headers.insert("authorization", HeaderValue::from_str(&format!("DPoP {bound}")).unwrap());
    dpop_headers.insert("dpop", HeaderValue::from_str(&proof).unwrap());
    assert!(now_or_never(dpop_guard.authenticate("GET", "/balance", &dpop_headers)).is_ok());
    let proof_jwk: Jwk = serde_json::from_value(prover.header()["jwk"].clone()).unwrap();
    let proof_key = VerifyingKey::from_jwk(&Jwk { kid: Some(prover.jkt().to_owned()), ..proof_jwk }).unwrap();
    let (signing_input, signature) = split(&token);
    let (proof_signing_input, proof_signature) = split(&proof);
    Fixture {
        guard,
        headers,
        key: key.verifying_key(),
        signing_input,
        signature,
        dpop_guard,
        dpop_headers,
        proof_key,
        proof_signing_input,
        proof_signature,
        _runtime: runtime,
    }
}

const ALGS: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

#[divan::bench(args = ALGS, sample_count = 1000)]
fn raw_verify(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| f.key.verify_raw(black_box(&f.signing_input), black_box(&f.signature)).unwrap());
}

#[divan::bench(args = ALGS, sample_count = 1000)]
fn guard(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| now_or_never(f.guard.authenticate("GET", "/", black_box(&f.headers))).unwrap());
}

#[divan::bench(args = ALGS, sample_count = 1000)]
fn raw_verify_twice(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| {
        f.key.verify_raw(black_box(&f.signing_input), black_box(&f.signature)).unwrap();
        f.proof_key.verify_raw(black_box(&f.proof_signing_input), black_box(&f.proof_signature)).unwrap();
    });
}

#[divan::bench(args = ALGS, sample_count = 1000)]
fn dpop_guard(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| {
        now_or_never(f.dpop_guard.authenticate("GET", "/balance", black_box(&f.dpop_headers))).unwrap()
    });
}
