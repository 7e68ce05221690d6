//! Refresh tokens that name their session and generation and carry a MAC over them
//! (`docs/architecture.md`, "Refresh tokens"):
//! `base64url(version || session_id || generation || tag)`.
//!
//! The tag is HMAC-SHA256 under a key derived from the master key, over the fields *and the
//! client id*, so the database holds nothing from which a token can be made, a token is
//! checked with one primary-key read, a token presented by another client fails before any
//! read (RFC 6749 §6: "the refresh token is bound to the client"), and the successor of a
//! generation can be recomputed to answer a concurrent duplicate with the same token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::MacKey;

use super::session_id::SessionId;

const VERSION: u8 = 1;
const DOMAIN: &[u8] = b"latchkey refresh token v1\0";
const BODY_LEN: usize = 1 + 16 + 8;
const TOKEN_LEN: usize = BODY_LEN + 32;

/// Mints and opens refresh tokens.
#[derive(Clone)]
pub struct RefreshTokenCodec {
    mac: MacKey,
}

impl RefreshTokenCodec {
    pub fn new(mac: MacKey) -> Self {
        Self { mac }
    }

    fn mac_input(body: &[u8], client_id: &str) -> Vec<u8> {
        let mut input = Vec::with_capacity(DOMAIN.len() + body.len() + client_id.len());
        input.extend_from_slice(DOMAIN);
        input.extend_from_slice(body);
        input.extend_from_slice(client_id.as_bytes());
        input
    }

    /// The refresh token of `generation` of a session, for `client_id`.
    pub fn mint(&self, session: &SessionId, generation: i64, client_id: &str) -> String {
        let mut token = Vec::with_capacity(TOKEN_LEN);
        token.push(VERSION);
        token.extend_from_slice(session.as_bytes());
        token.extend_from_slice(&generation.to_be_bytes());
        let tag = self.mac.tag(&Self::mac_input(&token, client_id));
        token.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(token)
    }

    fn decode(token: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        (bytes.len() == TOKEN_LEN && bytes[0] == VERSION).then_some(bytes)
    }

    /// The session a token claims to name, unchecked: only to find the client whose key
    /// [`Self::open`] must then be given (a token of another client, RFC 7009 §2.1).
    pub fn claimed_session(token: &str) -> Option<SessionId> {
        let bytes = Self::decode(token)?;
        let session: [u8; 16] = bytes[1..17].try_into().ok()?;
        Some(SessionId::from_bytes(session))
    }

    /// The session and generation a token names, if it is one of ours for `client_id`.
    pub fn open(&self, token: &str, client_id: &str) -> Option<(SessionId, i64)> {
        let bytes = Self::decode(token)?;
        let (body, tag) = bytes.split_at(BODY_LEN);
        if !self.mac.verify(&Self::mac_input(body, client_id), tag) {
            return None;
        }
        let session: [u8; 16] = body[1..17].try_into().ok()?;
        let generation = i64::from_be_bytes(body[17..25].try_into().ok()?);
        Some((SessionId::from_bytes(session), generation))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn codec(byte: u8) -> RefreshTokenCodec {
        RefreshTokenCodec::new(MacKey::from_bytes([byte; 32]))
    }

    #[test]
    fn round_trip_names_session_and_generation() {
        let sid = SessionId::generate().unwrap();
        let token = codec(1).mint(&sid, 7, "app");
        assert_eq!(codec(1).open(&token, "app"), Some((sid, 7)));
    }

    #[test]
    fn forged_truncated_and_foreign_tokens_are_refused() {
        let sid = SessionId::generate().unwrap();
        let token = codec(1).mint(&sid, 7, "app");
        assert_eq!(codec(2).open(&token, "app"), None, "other server key");
        assert_eq!(codec(1).open(&token, "other-app"), None, "other client");
        assert_eq!(codec(1).open(&token[..token.len() - 2], "app"), None, "truncated");
        assert_eq!(codec(1).open("!!!", "app"), None, "not base64");
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[20] ^= 1; // bump the generation without the key
        assert_eq!(codec(1).open(&URL_SAFE_NO_PAD.encode(bytes), "app"), None, "tampered");
    }
}
