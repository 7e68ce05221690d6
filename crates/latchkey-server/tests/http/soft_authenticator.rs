//! A software WebAuthn authenticator for tests that talk HTTP, with no browser: a P-256 key
//! (aws-lc-rs), `none` attestation (WebAuthn §8.7), user present and verified, a signature
//! counter it can be told to roll back, and the origin and relying party it claims — so the
//! tests can also play a phishing site's authenticator. What it sends is what a browser sends:
//! webauthn-rs's JSON with base64url binary fields.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::digest::sha256;
use serde_json::{json, Value};

/// Authenticator data flags (WebAuthn §6.1): user present, user verified, attested data.
const UP_UV: u8 = 0x01 | 0x04;
const ATTESTED: u8 = 0x40;

pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    /// The user handle the relying party gave at registration.
    pub user_handle: Vec<u8>,
    pub counter: u32,
    /// What it signs for: the relying party id (hashed into the authenticator data) and the
    /// origin in the client data.
    pub rp_id: String,
    pub origin: String,
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text.as_str().unwrap()).unwrap()
}

/// CBOR (RFC 8949) head of major type `major` with length `len` (< 65536).
fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    match len {
        0..=23 => vec![major << 5 | len as u8],
        24..=255 => vec![major << 5 | 24, len as u8],
        _ => [vec![major << 5 | 25], (len as u16).to_be_bytes().to_vec()].concat(),
    }
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    [cbor_head(2, bytes.len()), bytes.to_vec()].concat()
}

fn cbor_text(text: &str) -> Vec<u8> {
    [cbor_head(3, text.len()), text.as_bytes().to_vec()].concat()
}

impl SoftAuthenticator {
    /// An authenticator of the relying party at `origin` (`http://localhost:8080`).
    pub fn new(origin: &str) -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let rp_id = url::Url::parse(origin).unwrap().host_str().unwrap().to_owned();
        let credential_id = sha256(key.public_key().as_ref())[..16].to_vec();
        Self { key, credential_id, user_handle: Vec::new(), counter: 0, rp_id, origin: origin.to_owned() }
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        serde_json::to_vec(
            &json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false }),
        )
        .unwrap()
    }

    fn authenticator_data(&self, flags: u8) -> Vec<u8> {
        [sha256(self.rp_id.as_bytes()).to_vec(), vec![flags], self.counter.to_be_bytes().to_vec()].concat()
    }

    /// The COSE key (RFC 9053 §7.1.1): EC2, ES256, P-256, x and y.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let (x, y) = (&point[1..33], &point[33..65]);
        [vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21], cbor_bytes(x), vec![0x22], cbor_bytes(y)]
            .concat()
    }

    /// Answers `navigator.credentials.create` with the registration options the server sent.
    pub fn register(&mut self, options: &Value) -> String {
        self.user_handle = unb64(&options["publicKey"]["user"]["id"]);
        let client_data = self.client_data("webauthn.create", options);
        let id_len = (self.credential_id.len() as u16).to_be_bytes();
        let auth_data = [
            self.authenticator_data(UP_UV | ATTESTED),
            vec![0; 16],
            id_len.to_vec(),
            self.credential_id.clone(),
            self.cose_key(),
        ]
        .concat();
        let attestation = [
            vec![0xa3],
            cbor_text("fmt"),
            cbor_text("none"),
            cbor_text("attStmt"),
            vec![0xa0],
            cbor_text("authData"),
            cbor_bytes(&auth_data),
        ]
        .concat();
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "extensions": {},
            "response": { "attestationObject": b64(&attestation), "clientDataJSON": b64(&client_data) },
        })
        .to_string()
    }

    /// Answers `navigator.credentials.get` with the assertion options the server sent; the
    /// counter goes up by one first.
    pub fn assert(&mut self, options: &Value) -> String {
        self.counter += 1;
        let client_data = self.client_data("webauthn.get", options);
        let auth_data = self.authenticator_data(UP_UV);
        let signed = [auth_data.clone(), sha256(&client_data).to_vec()].concat();
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "extensions": {},
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&self.user_handle),
            },
        })
        .to_string()
    }
}
