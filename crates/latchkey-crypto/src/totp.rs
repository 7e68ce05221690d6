//! Time-based one-time passwords (RFC 6238) as authenticator apps compute them: HMAC-SHA-1,
//! 6 digits, 30-second steps, and one step of clock drift either way (§5.2's recommended
//! window). The arithmetic is the `totp-rs` crate's (tested against the RFC's vectors); this
//! module fixes the parameters, makes the secret, and says which step a code matched, so
//! the caller can accept each step once (docs/architecture.md, "Multi-factor
//! authentication"). Time is passed in, never read here.

use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random;

/// Seconds per time step (RFC 6238 §5.2's recommended X).
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret: 160 bits, the HMAC-SHA-1 output size (RFC 4226 §4 R6).
const SECRET_LEN: usize = 20;

/// A user's shared TOTP secret; zeroed when dropped, never logged.
pub struct TotpSecret {
    bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        random::fill(&mut bytes)?;
        Ok(Self { bytes })
    }

    /// A secret read back (opened from its sealed form).
    pub fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self { bytes }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn totp(&self, issuer: &str, account: &str) -> TOTP {
        // `new_unchecked`: `new` refuses a `:` in the names, which usernames may contain;
        // the parameters themselves are fixed above and valid.
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECONDS.unsigned_abs(),
            self.bytes.to_vec(),
            Some(issuer.to_owned()),
            account.to_owned(),
        )
    }

    /// The secret in base32, for typing into an authenticator app.
    pub fn base32(&self) -> String {
        self.totp("", "").get_secret_base32()
    }

    /// The `otpauth://totp/...` key URI that authenticator apps scan.
    pub fn key_uri(&self, issuer: &str, account: &str) -> String {
        self.totp(issuer, account).get_url()
    }

    /// The code of the time step containing `now` (Unix seconds).
    pub fn code_at(&self, now: i64) -> String {
        self.totp("", "").generate(now.max(0).unsigned_abs())
    }

    /// The time step (`floor(now / 30)`) that `code` is the code of, looking at the step of
    /// `now` and one either side; `None` when it matches none. Compared in constant time.
    pub fn matching_step(&self, code: &str, now: i64) -> Option<i64> {
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let totp = self.totp("", "");
        let current = now.div_euclid(STEP_SECONDS);
        [current, current - 1, current + 1]
            .into_iter()
            .filter(|step| *step >= 0)
            .find(|step| totp.check(code, (step * STEP_SECONDS).unsigned_abs()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1, last 6 digits of the 8-digit vectors.
    #[test]
    fn rfc_6238_vectors() {
        let secret = TotpSecret::from_bytes(Zeroizing::new(b"12345678901234567890".to_vec()));
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1_111_111_109), "081804");
        assert_eq!(secret.code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let secret = TotpSecret::generate().unwrap();
        let now = 1_700_000_015;
        let step = now / STEP_SECONDS;
        assert_eq!(secret.matching_step(&secret.code_at(now), now), Some(step));
        assert_eq!(secret.matching_step(&secret.code_at(now - 30), now), Some(step - 1));
        assert_eq!(secret.matching_step(&secret.code_at(now + 30), now), Some(step + 1));
        assert_eq!(secret.matching_step(&secret.code_at(now - 60), now), None);
        assert_eq!(secret.matching_step(&secret.code_at(now + 60), now), None);
        assert_eq!(secret.matching_step("12345", now), None);
        assert_eq!(secret.matching_step("12345a", now), None);
    }

    #[test]
    fn the_key_uri_names_the_issuer_and_the_account() {
        let secret = TotpSecret::generate().unwrap();
        let uri = secret.key_uri("Latchkey", "alice");
        assert!(uri.starts_with("otpauth://totp/Latchkey:alice?"), "{uri}");
        assert!(uri.contains(&format!("secret={}", secret.base32())));
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
    }
}
