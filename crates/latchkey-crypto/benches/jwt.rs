//! JWT signing and verification cost, against the raw signature primitive.
//!
//! For each algorithm: `raw_verify` (the aws-lc-rs signature check over a token's signing
//! input), `verify_jwt` (the whole verification of that token into RFC 9068 claims),
//! `raw_sign` and `sign_jwt`. The gap between `verify_jwt` and `raw_verify` is what the JOSE
//! layer costs; it should stay within ~10%.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use divan::{black_box, Bencher};
use latchkey_crypto::{Algorithm, JwkSet, KeySet, SigningKey};

fn main() {
    divan::main();
}

const ALGS: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

#[path = "../tests/support/access_claims.rs"]
mod access_claims;
use access_claims::{claims, AccessClaims};

struct Fixture {
    key: SigningKey,
    /// The key set a resource server builds from the published JWKS JSON.
    set: KeySet,
    token: String,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

fn fixture(alg: Algorithm) -> Fixture {
    let key = SigningKey::generate(alg).unwrap();
    let jwks = serde_json::to_string(&JwkSet { keys: vec![key.public_jwk()] }).unwrap();
    let (set, errors) = KeySet::from_jwks(&serde_json::from_str(&jwks).unwrap());
    assert!(errors.is_empty());
    let token = key.sign_jwt("at+jwt", &claims()).unwrap();
    // The token's own signature, so both verify benches check the very same signature
    // (ECDSA verification time varies a little with the signature's scalars).
    let (input, sig) = token.rsplit_once('.').unwrap();
    let signing_input = input.as_bytes().to_vec();
    let signature = URL_SAFE_NO_PAD.decode(sig).unwrap();
    Fixture { key, set, token, signing_input, signature }
}

#[divan::bench(args = ALGS, sample_count = 1000)]
fn raw_verify(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    let vk = f.set.get(f.key.kid()).unwrap().clone();
    bencher.bench_local(|| vk.verify_raw(black_box(&f.signing_input), black_box(&f.signature)).unwrap());
}

#[divan::bench(args = ALGS, sample_count = 1000)]
fn verify_jwt(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| {
        latchkey_crypto::verify_jwt::<AccessClaims>(black_box(&f.token), black_box(&f.set)).unwrap()
    });
}

#[divan::bench(args = ALGS)]
fn raw_sign(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    bencher.bench_local(|| f.key.sign_raw(black_box(&f.signing_input)).unwrap());
}

#[divan::bench(args = ALGS)]
fn sign_jwt(bencher: Bencher, alg: Algorithm) {
    let f = fixture(alg);
    let c = claims();
    bencher.bench_local(|| f.key.sign_jwt(black_box("at+jwt"), black_box(&c)).unwrap());
}
