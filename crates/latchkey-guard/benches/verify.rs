//! The guard's per-request cost against the raw signature check it cannot avoid.
//!
//! For ES256, EdDSA and RS256: `raw_verify` is `VerifyingKey::verify_raw` over a token's
//! signing input; `guard` is everything the guard does for a request — find the bearer token
//! in the headers, verify the JWS with the cached key set, check `typ`, `iss`, `aud`, `exp`,
//! `nbf`, and look the `sid` and `jti` up in a revocation cache holding 1,000 revoked
//! sessions. Budget (`docs/architecture.md`, "Performance budgets"): `guard` within 10 % of
//! `raw_verify`.
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
use latchkey_crypto::{Algorithm, JwkSet, SigningKey, VerifyingKey};
use latchkey_guard::Guard;
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
    _runtime: tokio::runtime::Runtime,
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
    let (guard, issuer) = runtime.block_on(async move {
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
        (guard, base)
    });
    let claims = json!({
        "iss": issuer, "sub": "7f3c9a4e-0b1d-4c55-9a2e-3f1b6d0e8c21", "aud": AUDIENCE,
        "exp": now + 3600, "iat": now, "jti": "q5Yw3vR1uK8mN2pL0sT7xZ4aB6cD", "client_id": "bank-web",
        "scope": "profile bank:read bank:write", "sid": "s-4b1e0f6a9c2d7e8f",
        "preferred_username": "alice", "roles": ["customer"],
    });
    let token = key.sign_jwt("at+jwt", &claims).unwrap();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
    assert!(now_or_never(guard.authenticate("GET", "/", &headers)).is_ok());
    Fixture {
        guard,
        headers,
        key: key.verifying_key(),
        signing_input: signing_input.as_bytes().to_vec(),
        signature: URL_SAFE_NO_PAD.decode(signature).unwrap(),
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
