//! Server nonces for DPoP proofs (RFC 9449 §8, §9), stateless: a nonce is the number of the
//! current time step and an HMAC over it, so checking one reads no state, and a nonce issued
//! by one process is valid at every other that holds the same key. The Latchkey server and
//! `latchkey-guard` both issue them this way.
//!
//! The server derives the key from its master key ([`NONCE_KEY_PURPOSE`]), not generated and
//! stored: every process already holds the master key (checked against the database at
//! start, docs/architecture.md "Several processes"), so all derive the same key with no
//! database row, no creation race and nothing new to seal.

use crate::b64;
use crate::mac::MacKey;

/// The HKDF purpose of the server's nonce key ([`crate::MasterKey::derive_mac_key`]).
pub const NONCE_KEY_PURPOSE: &str = "latchkey dpop-nonce v1";

/// Length of a time step; a nonce is valid in its step and the next (60 to 120 s).
const STEP_SECS: i64 = 60;

/// Issues and checks nonces.
#[derive(Clone)]
pub struct DpopNonces {
    mac: MacKey,
}

impl DpopNonces {
    pub fn new(mac: MacKey) -> Self {
        Self { mac }
    }

    fn for_step(&self, step: i64) -> String {
        let body = step.to_be_bytes();
        let mut nonce = body.to_vec();
        nonce.extend_from_slice(&self.mac.tag(&body));
        b64::encode(&nonce)
    }

    /// The nonce to hand out at `now`.
    pub fn current(&self, now: i64) -> String {
        self.for_step(now.div_euclid(STEP_SECS))
    }

    /// Whether `nonce` was issued in the current or the previous time step.
    pub fn is_valid(&self, nonce: &str, now: i64) -> bool {
        let current = now.div_euclid(STEP_SECS);
        self.step_of(nonce).is_some_and(|step| step == current || step == current - 1)
    }

    /// The nonce to hand out with a successful answer to a proof that carried `nonce`
    /// (RFC 9449 §8.2): the current one when `nonce` is from the previous step and so
    /// expires at the end of this one; `None` while `nonce` is current.
    pub fn replacement(&self, nonce: &str, now: i64) -> Option<String> {
        (self.step_of(nonce) != Some(now.div_euclid(STEP_SECS))).then(|| self.current(now))
    }

    /// The time step of a nonce this key issued.
    fn step_of(&self, nonce: &str) -> Option<i64> {
        let bytes = b64::decode(nonce)?;
        let (body, tag) = bytes.split_first_chunk::<8>()?;
        self.mac.verify(body, tag).then(|| i64::from_be_bytes(*body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonces(byte: u8) -> DpopNonces {
        DpopNonces::new(MacKey::from_bytes([byte; 32]))
    }

    #[test]
    fn a_nonce_is_valid_for_its_step_and_the_next_only() {
        let issued = nonces(1).current(1_000);
        assert!(nonces(1).is_valid(&issued, 1_000), "the same key in another process");
        assert!(nonces(1).is_valid(&issued, 1_000 + STEP_SECS));
        assert!(!nonces(1).is_valid(&issued, 1_000 + 2 * STEP_SECS), "expired");
        assert!(!nonces(1).is_valid(&issued, 1_000 - STEP_SECS), "from the future");
    }

    #[test]
    fn a_replacement_is_due_once_the_nonce_is_from_the_previous_step() {
        let issued = nonces(1).current(1_000);
        assert_eq!(nonces(1).replacement(&issued, 1_000), None, "still current");
        let next = nonces(1).replacement(&issued, 1_000 + STEP_SECS);
        assert_eq!(next, Some(nonces(1).current(1_000 + STEP_SECS)), "expires at the end of this step");
        assert!(nonces(1).replacement("forged", 1_000).is_some());
    }

    #[test]
    fn forged_and_malformed_nonces_are_refused() {
        let issued = nonces(1).current(1_000);
        assert!(!nonces(2).is_valid(&issued, 1_000), "another master key");
        let mut bytes = b64::decode(&issued).unwrap_or_default();
        bytes[7] ^= 1;
        assert!(!nonces(1).is_valid(&b64::encode(&bytes), 1_000), "another step, same tag");
        for bad in ["", "!!!", "AAAA"] {
            assert!(!nonces(1).is_valid(bad, 1_000), "{bad}");
        }
    }
}
