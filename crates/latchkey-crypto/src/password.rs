//! Password hashing: Argon2id for everything we hash (RFC 9106 §4; parameters per the OWASP
//! Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1), plus verification of legacy
//! bcrypt hashes so users imported from other systems can log in and be rehashed.
//!
//! Hashing is slow on purpose and blocking; the server runs it on a bounded blocking pool.
//! Verification never panics on a stored hash, whatever it contains: anything unparseable is
//! [`PasswordCheck::Invalid`]. Stored Argon2 hashes whose cost exceeds [`MAX_MEMORY_KIB`],
//! [`MAX_ITERATIONS`] or [`MAX_PARALLELISM`] are refused rather than computed, so one planted
//! hash cannot make a login take minutes or gigabytes.
//!
//! Unknown and disabled users go through [`PasswordHasher::dummy_verify`], which does the same
//! work as a real verification, so response time does not reveal whether an account exists.

mod memory;

use std::hint::black_box;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::alphabet;
use base64::engine::general_purpose::NO_PAD;
use base64::engine::GeneralPurpose;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::CryptoError;
use crate::random;

pub use memory::Argon2Memory;

/// Largest Argon2 memory cost accepted, in KiB (1 GiB).
pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
/// Largest Argon2 iteration count accepted.
pub const MAX_ITERATIONS: u32 = 64;
/// Largest Argon2 parallelism accepted.
pub const MAX_PARALLELISM: u32 = 64;

/// Bytes of random salt per hash (RFC 9106 §3.1 recommends 16).
const SALT_LEN: usize = 16;

/// The bcrypt variant of base64 (`./A-Za-z0-9`), as the `bcrypt` crate decodes it.
const BCRYPT_B64: GeneralPurpose = GeneralPurpose::new(&alphabet::BCRYPT, NO_PAD);
/// The PHC string format's "B64": the standard alphabet without padding.
const PHC_B64: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, NO_PAD);

/// Argon2id cost parameters (RFC 9106 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's first Argon2id configuration: m = 19456 KiB, t = 2, p = 1.
    fn default() -> Self {
        Argon2Params { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

impl Argon2Params {
    /// The `argon2` crate's parameters, validated against its rules and our caps.
    fn to_params(self) -> Result<Params, String> {
        if self.memory_kib > MAX_MEMORY_KIB {
            return Err(format!(
                "memory of {} KiB exceeds the maximum of {MAX_MEMORY_KIB} KiB",
                self.memory_kib
            ));
        }
        if self.iterations > MAX_ITERATIONS {
            return Err(format!("{} iterations exceed the maximum of {MAX_ITERATIONS}", self.iterations));
        }
        if self.parallelism > MAX_PARALLELISM {
            return Err(format!("parallelism {} exceeds the maximum of {MAX_PARALLELISM}", self.parallelism));
        }
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(|e| {
            format!("{e} (memory must be at least 8 KiB per lane, iterations and parallelism at least 1)")
        })
    }
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Wrong password, or a stored hash we cannot use.
    Invalid,
    /// Right password, hash up to date.
    Valid,
    /// Right password, but the stored hash should be replaced by [`PasswordHasher::hash`]
    /// of it (bcrypt, an older Argon2 variant, or other Argon2 parameters).
    ValidNeedsRehash,
}

/// Hashes and verifies passwords with one set of Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Argon2Params,
    argon2: Argon2<'static>,
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("params", &self.params).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher for `params`, which are validated here. The dummy hash used by
    /// [`PasswordHasher::dummy_verify`] is a PHC string with our parameters, a random salt and a
    /// random output: verifying against it costs exactly a real verify, and building it costs
    /// no hashing (so starting a server does not allocate Argon2's memory).
    pub fn new(params: Argon2Params) -> Result<Self, CryptoError> {
        let argon_params = params.to_params().map_err(CryptoError::InvalidPasswordParams)?;
        let dummy_hash = phc_string(
            params,
            &random::bytes::<SALT_LEN>()?,
            &random::bytes::<{ Params::DEFAULT_OUTPUT_LEN }>()?,
        )?;
        Ok(PasswordHasher {
            params,
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params),
            dummy_hash,
        })
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> Argon2Params {
        self.params
    }

    /// An Argon2id PHC string (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`) with a fresh random
    /// salt. Blocking and slow on purpose.
    pub fn hash(&self, password: &str) -> Result<String, CryptoError> {
        self.hash_in(password, &mut Argon2Memory::default())
    }

    /// [`PasswordHasher::hash`], computed in `memory`.
    pub fn hash_in(&self, password: &str, memory: &mut Argon2Memory) -> Result<String, CryptoError> {
        let salt = random::bytes::<SALT_LEN>()?;
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let blocks = memory.blocks(self.argon2.params().block_count());
        self.argon2
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut output, blocks)
            .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
        phc_string(self.params, &salt, &output)
    }

    /// Checks `password` against a stored Argon2 PHC string (`$argon2id$`, `$argon2i$`,
    /// `$argon2d$`) or bcrypt hash (`$2a$`, `$2b$`, `$2y$`).
    pub fn verify(&self, password: &str, stored_hash: &str) -> PasswordCheck {
        self.verify_in(password, stored_hash, &mut Argon2Memory::default())
    }

    /// [`PasswordHasher::verify`], with Argon2 computed in `memory`.
    pub fn verify_in(&self, password: &str, stored_hash: &str, memory: &mut Argon2Memory) -> PasswordCheck {
        if stored_hash.starts_with("$argon2") {
            self.verify_argon2(password, stored_hash, memory)
        } else if is_bcrypt(stored_hash) {
            match bcrypt::verify(password.as_bytes(), stored_hash) {
                Ok(true) => PasswordCheck::ValidNeedsRehash,
                Ok(false) | Err(_) => PasswordCheck::Invalid,
            }
        } else {
            PasswordCheck::Invalid
        }
    }

    fn verify_argon2(&self, password: &str, stored_hash: &str, memory: &mut Argon2Memory) -> PasswordCheck {
        let Some(stored) = parse_argon2(stored_hash) else {
            return PasswordCheck::Invalid;
        };
        // Recomputed with the algorithm, version and parameters in the hash, as the argon2
        // crate's verifier does; `Output`'s comparison is constant-time.
        let argon2 =
            Argon2::new(stored.algorithm, stored.version.unwrap_or_default(), stored.argon_params.clone());
        let mut salt = [0u8; 64];
        let Ok(salt) = stored.salt.decode_b64(&mut salt) else {
            return PasswordCheck::Invalid;
        };
        let blocks = memory.blocks(stored.argon_params.block_count());
        let computed = Output::init_with(stored.expected.len(), |out| {
            argon2
                .hash_password_into_with_memory(password.as_bytes(), salt, out, blocks)
                .map_err(|_| argon2::password_hash::Error::Password)
        });
        if computed.ok() != Some(stored.expected) {
            return PasswordCheck::Invalid;
        }
        let current = stored.algorithm == Algorithm::Argon2id
            && stored.version == Some(Version::V0x13)
            && stored.params == self.params;
        if current {
            PasswordCheck::Valid
        } else {
            PasswordCheck::ValidNeedsRehash
        }
    }

    /// Verifies `password` against a dummy hash with our parameters and ignores the result:
    /// the same work as a real [`PasswordHasher::verify`], for unknown or disabled users.
    pub fn dummy_verify(&self, password: &str) {
        self.dummy_verify_in(password, &mut Argon2Memory::default());
    }

    /// [`PasswordHasher::dummy_verify`], computed in `memory`.
    pub fn dummy_verify_in(&self, password: &str, memory: &mut Argon2Memory) {
        black_box(self.verify_in(black_box(password), &self.dummy_hash, memory));
    }

    /// Whether an imported hash is one [`PasswordHasher::verify`] can check: an Argon2 PHC
    /// string that parses with parameters within our caps, or a bcrypt `$2a$`/`$2b$`/`$2y$`
    /// hash with a cost of 04-31 and a 53-character salt-and-hash body.
    pub fn is_supported_hash(stored_hash: &str) -> bool {
        if stored_hash.starts_with("$argon2") {
            parse_argon2(stored_hash).is_some()
        } else {
            is_bcrypt(stored_hash)
        }
    }
}

/// A stored Argon2 hash, parsed.
struct StoredArgon2<'a> {
    algorithm: Algorithm,
    /// `None` when the string has no `v=`; the argon2 crate then computes its default (0x13).
    version: Option<Version>,
    params: Argon2Params,
    argon_params: Params,
    salt: argon2::password_hash::Salt<'a>,
    expected: Output,
}

/// Parses an Argon2 PHC string: one of the three variants, parameters within our caps, with a
/// salt and a hash. `None` for anything else.
fn parse_argon2(stored_hash: &str) -> Option<StoredArgon2<'_>> {
    let hash = PasswordHash::new(stored_hash).ok()?;
    let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
    let version = hash.version.map(Version::try_from).transpose().ok()?;
    let argon_params = Params::try_from(&hash).ok()?;
    let params = Argon2Params {
        memory_kib: argon_params.m_cost(),
        iterations: argon_params.t_cost(),
        parallelism: argon_params.p_cost(),
    };
    params.to_params().ok()?;
    Some(StoredArgon2 { algorithm, version, params, argon_params, salt: hash.salt?, expected: hash.hash? })
}

/// The PHC string of an Argon2id hash with `params` (RFC 9106 §3.1 parameters, version 0x13).
fn phc_string(params: Argon2Params, salt: &[u8], output: &[u8]) -> Result<String, CryptoError> {
    let salt = SaltString::encode_b64(salt).map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    let Argon2Params { memory_kib, iterations, parallelism } = params;
    let output = PHC_B64.encode(output);
    Ok(format!("$argon2id$v=19$m={memory_kib},t={iterations},p={parallelism}${salt}${output}"))
}

/// `$2a$`, `$2b$` or `$2y$`, a two-digit cost in 04..=31, `$`, then 22 characters of salt
/// (16 bytes) and 31 of hash (23 bytes) in bcrypt's base64, canonically encoded.
fn is_bcrypt(stored_hash: &str) -> bool {
    let Some(rest) = ["$2a$", "$2b$", "$2y$"].iter().find_map(|prefix| stored_hash.strip_prefix(prefix))
    else {
        return false;
    };
    let (Some(cost), Some(b'$'), Some(body)) = (
        rest.get(..2).filter(|c| c.bytes().all(|b| b.is_ascii_digit())),
        rest.as_bytes().get(2),
        rest.get(3..),
    ) else {
        return false;
    };
    let cost_ok = cost.parse::<u32>().is_ok_and(|c| (4..=31).contains(&c));
    let (Some(salt), Some(hash)) = (body.get(..22), body.get(22..)) else {
        return false;
    };
    cost_ok
        && body.len() == 53
        && BCRYPT_B64.decode(salt).is_ok_and(|s| s.len() == 16)
        && BCRYPT_B64.decode(hash).is_ok_and(|h| h.len() == 23)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_is_a_current_argon2id_hash_nothing_verifies_against() {
        let params = Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 };
        let hasher = PasswordHasher::new(params).unwrap();
        let parsed = parse_argon2(&hasher.dummy_hash).unwrap();
        assert_eq!(parsed.params, params, "same parameters, so the same work as a real verify");
        assert_eq!(parsed.algorithm, Algorithm::Argon2id);
        assert_eq!(hasher.verify("", &hasher.dummy_hash), PasswordCheck::Invalid);
        assert_ne!(PasswordHasher::new(params).unwrap().dummy_hash, hasher.dummy_hash, "random per hasher");
    }

    #[test]
    fn params_are_validated() {
        let ok = Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 };
        assert!(ok.to_params().is_ok());
        for bad in [
            Argon2Params { memory_kib: 4, ..ok },
            Argon2Params { iterations: 0, ..ok },
            Argon2Params { parallelism: 0, ..ok },
            Argon2Params { memory_kib: 64, parallelism: 16, ..ok },
            Argon2Params { memory_kib: MAX_MEMORY_KIB + 1, ..ok },
            Argon2Params { iterations: MAX_ITERATIONS + 1, ..ok },
            Argon2Params { parallelism: MAX_PARALLELISM + 1, memory_kib: 8 * 1024, ..ok },
        ] {
            assert!(bad.to_params().is_err(), "{bad:?}");
            assert!(matches!(PasswordHasher::new(bad), Err(CryptoError::InvalidPasswordParams(_))));
        }
    }

    #[test]
    fn bcrypt_shape_check() {
        let good = "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96";
        assert!(is_bcrypt(good));
        assert!(is_bcrypt(&good.replacen("$2a$", "$2y$", 1)));
        assert!(is_bcrypt(&good.replacen("$2a$", "$2b$", 1)));
        assert!(!is_bcrypt(&good.replacen("$2a$", "$2x$", 1)));
        assert!(!is_bcrypt(&good.replacen("$04$", "$03$", 1)));
        assert!(!is_bcrypt(&good.replacen("$04$", "$32$", 1)));
        assert!(!is_bcrypt(&good.replacen("$04$", "$4$", 1)));
        assert!(!is_bcrypt(&good.replacen("$04$", "$$04$", 1)));
        assert!(!is_bcrypt(&good[..59]));
        assert!(!is_bcrypt(&format!("{good}x")));
        assert!(!is_bcrypt(&good.replacen('U', "!", 1)));
        assert!(!is_bcrypt(&good.replacen('U', "é", 1)));
        assert!(!is_bcrypt(""));
        assert!(!is_bcrypt("$2a$"));
    }
}
