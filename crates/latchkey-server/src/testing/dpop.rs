//! A DPoP client key for tests (RFC 9449 §4.2): builds proofs, correct ones and ones with
//! any header or claim changed, so every check can be tried from the attacker's side.
//! Test support only: a key that cannot be generated or a proof that cannot be signed is a
//! broken test environment, so those panic.
#![allow(clippy::expect_used)]

use latchkey_core::dpop::{access_token_hash, PROOF_TYP};
use latchkey_crypto::{random, Algorithm, SigningKey};
use serde_json::{json, Value};

/// A key pair a test client proves possession of.
pub struct DpopProver {
    key: SigningKey,
}

impl DpopProver {
    pub fn new(alg: Algorithm) -> Self {
        Self { key: SigningKey::generate(alg).expect("a fresh key") }
    }

    /// The RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it.
    pub fn jkt(&self) -> &str {
        self.key.kid()
    }

    /// The protected header of a correct proof: `typ`, `alg` and the public JWK.
    pub fn header(&self) -> Value {
        let mut jwk = serde_json::to_value(self.key.public_jwk()).expect("a JWK is JSON");
        if let Some(members) = jwk.as_object_mut() {
            members.remove("kid");
            members.remove("use");
            members.remove("alg");
        }
        json!({ "typ": PROOF_TYP, "alg": self.key.alg().as_str(), "jwk": jwk })
    }

    /// The claims of a correct proof for `htm` and `htu` at `iat`, with a fresh `jti`, and
    /// `ath` when an access token goes with it.
    pub fn claims(&self, htm: &str, htu: &str, iat: i64, access_token: Option<&str>) -> Value {
        let mut claims =
            json!({ "jti": random::token(16).expect("randomness"), "htm": htm, "htu": htu, "iat": iat });
        if let Some(token) = access_token {
            claims["ath"] = access_token_hash(token).into();
        }
        claims
    }

    /// Signs any header and claims with this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        self.key.sign_with_header(header, claims).expect("signing works")
    }

    /// A correct proof.
    pub fn proof(&self, htm: &str, htu: &str, iat: i64, access_token: Option<&str>) -> String {
        self.sign(&self.header(), &self.claims(htm, htu, iat, access_token))
    }
}
