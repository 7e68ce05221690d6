//! Public verifying keys built from RFC 7517 JWKs.
//!
//! The JWK is validated and the public key parsed exactly once, at construction, into an
//! `aws_lc_rs::signature::ParsedPublicKey`; each verification is then only the signature check
//! itself. Refused at construction (so a bad JWKS entry fails loudly once, not on every token):
//! keys without a `kid`, `use` other than `sig` (RFC 7517 §4.2), `kty`/`crv`/`alg`
//! combinations that disagree, curves other than P-256 and Ed25519, RSA moduli under 2048 bits
//! (RFC 7518 §3.3) or over 8192, and coordinates of the wrong length (RFC 7518 §6.2.1.2).

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_lc_rs::signature::{
    ParsedPublicKey, RsaPublicKeyComponents, ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256,
};

use crate::algorithm::Algorithm;
use crate::b64;
use crate::error::CryptoError;
use crate::jwk::Jwk;
use crate::jws::JwsHeader;

/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
const RSA_MIN_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (the range aws-lc-rs verifies).
const RSA_MAX_BITS: usize = 8192;

/// A public key bound to one algorithm and one `kid`. Cheap to clone (reference counted).
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Arc<Inner>,
}

struct Inner {
    alg: Algorithm,
    kid: String,
    key: ParsedPublicKey,
    jwk: Jwk,
    /// Encoded JWS headers that have already verified with this key, with their parse.
    known_headers: [OnceLock<KnownHeader>; KNOWN_HEADERS],
}

/// How many distinct header encodings a key remembers (e.g. `at+jwt`, `JWT`, `logout+jwt`).
const KNOWN_HEADERS: usize = 4;

/// A base64url header segment and what it parses to.
struct KnownHeader {
    segment: Box<str>,
    header: JwsHeader,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey").field("kid", &self.inner.kid).field("alg", &self.inner.alg).finish()
    }
}

impl VerifyingKey {
    /// Builds a verifying key from a public JWK.
    ///
    /// The algorithm is `jwk.alg` when present, otherwise inferred: EC P-256 → ES256,
    /// OKP Ed25519 → EdDSA, RSA → RS256. A `kid` is required, since tokens name their key by it.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, CryptoError> {
        let kid = match jwk.kid.as_deref() {
            Some(kid) if !kid.is_empty() => kid,
            _ => return Err(CryptoError::invalid_jwk(None, "it has no \"kid\", so no token could name it")),
        };
        let fail = |reason: String| CryptoError::invalid_jwk(Some(kid), reason);

        if let Some(use_) = jwk.use_.as_deref() {
            if use_ != "sig" {
                return Err(fail(format!("its \"use\" is \"{use_}\"; only \"sig\" keys verify signatures")));
            }
        }

        let inferred = infer_algorithm(jwk).map_err(fail)?;
        if let Some(alg) = jwk.alg.as_deref() {
            let declared: Algorithm = alg.parse().map_err(|_| {
                fail(format!("its \"alg\" \"{alg}\" is not supported (supported: ES256, RS256, EdDSA)"))
            })?;
            if declared != inferred {
                return Err(fail(format!("its \"alg\" \"{alg}\" does not fit a {} key", describe(inferred))));
            }
        }

        let key = match inferred {
            Algorithm::ES256 => parse_p256(jwk),
            Algorithm::EdDSA => parse_ed25519(jwk),
            Algorithm::RS256 => parse_rsa(jwk),
        }
        .map_err(fail)?;

        let mut normalized = jwk.clone();
        normalized.alg = Some(inferred.as_str().to_owned());
        normalized.use_ = Some("sig".to_owned());
        Ok(VerifyingKey {
            inner: Arc::new(Inner {
                alg: inferred,
                kid: kid.to_owned(),
                key,
                jwk: normalized,
                known_headers: Default::default(),
            }),
        })
    }

    /// The key id tokens name this key by.
    pub fn kid(&self) -> &str {
        &self.inner.kid
    }

    /// The one algorithm this key verifies.
    pub fn alg(&self) -> Algorithm {
        self.inner.alg
    }

    /// The public JWK, with `alg` and `use` filled in.
    pub fn jwk(&self) -> &Jwk {
        &self.inner.jwk
    }

    /// Checks `signature` over `message` with this key's algorithm. ES256 signatures are the
    /// 64-byte `R || S` form of RFC 7518 §3.4, not DER.
    #[inline]
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        self.inner.key.verify_sig(message, signature).map_err(|_| CryptoError::BadSignature)
    }
}

/// A memo of header segments, so verifying the next token with the same header skips parsing
/// it. Only headers of tokens that verified with this key are recorded, so an attacker cannot
/// fill the slots; a byte-identical segment parses to the same header, so the memo changes no
/// outcome (see `crate::jws::verify_jwt_with`).
impl VerifyingKey {
    /// The parsed header recorded for exactly this base64url `segment`, if any.
    #[inline]
    pub(crate) fn known_header(&self, segment: &str) -> Option<&JwsHeader> {
        self.inner
            .known_headers
            .iter()
            .map_while(OnceLock::get)
            .find(|known| *known.segment == *segment)
            .map(|known| &known.header)
    }

    /// Records `segment` and its parse after a token with it verified with this key. Does
    /// nothing when already recorded or when all slots are taken.
    pub(crate) fn remember_header(&self, segment: &str, header: &JwsHeader) {
        if self.known_header(segment).is_some() {
            return;
        }
        if let Some(slot) = self.inner.known_headers.iter().find(|s| s.get().is_none()) {
            // Losing a race to another thread just means that thread's header is kept.
            let _ = slot.set(KnownHeader { segment: segment.into(), header: header.clone() });
        }
    }
}

fn describe(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "EC P-256",
        Algorithm::RS256 => "RSA",
        Algorithm::EdDSA => "OKP Ed25519",
    }
}

/// The algorithm implied by `kty` and `crv` (RFC 7518 §6.1, RFC 8037 §2).
fn infer_algorithm(jwk: &Jwk) -> Result<Algorithm, String> {
    match (jwk.kty.as_str(), jwk.crv.as_deref()) {
        ("EC", Some("P-256")) => Ok(Algorithm::ES256),
        ("OKP", Some("Ed25519")) => Ok(Algorithm::EdDSA),
        ("RSA", None) => Ok(Algorithm::RS256),
        ("RSA", Some(crv)) => Err(format!("an RSA key has no curve, but it names \"{crv}\"")),
        ("EC" | "OKP", None) => Err(format!("its \"crv\" is missing for kty \"{}\"", jwk.kty)),
        ("EC" | "OKP", Some(crv)) => Err(format!(
            "curve \"{crv}\" is not supported for kty \"{}\" (supported: EC P-256, OKP Ed25519)",
            jwk.kty
        )),
        (kty, _) => Err(format!("key type \"{kty}\" is not supported (supported: EC, RSA, OKP)")),
    }
}

/// Decodes a base64url member that must be exactly `len` bytes.
fn fixed_member(value: Option<&str>, name: &str, len: usize) -> Result<Vec<u8>, String> {
    let text = value.ok_or_else(|| format!("\"{name}\" is missing"))?;
    let bytes = b64::decode(text).ok_or_else(|| format!("\"{name}\" is not valid base64url"))?;
    if bytes.len() != len {
        return Err(format!("\"{name}\" is {} bytes long, expected {len}", bytes.len()));
    }
    Ok(bytes)
}

/// An EC P-256 key: the uncompressed point `04 || x || y`, which aws-lc checks is on the curve.
fn parse_p256(jwk: &Jwk) -> Result<ParsedPublicKey, String> {
    let x = fixed_member(jwk.x.as_deref(), "x", 32)?;
    let y = fixed_member(jwk.y.as_deref(), "y", 32)?;
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .map_err(|e| format!("the point is not a valid P-256 public key ({e})"))
}

fn parse_ed25519(jwk: &Jwk) -> Result<ParsedPublicKey, String> {
    let x = fixed_member(jwk.x.as_deref(), "x", 32)?;
    ParsedPublicKey::new(&ED25519, x).map_err(|e| format!("\"x\" is not a valid Ed25519 public key ({e})"))
}

/// Big-endian integer without leading zero bytes. RFC 7518 §6.3.1.1 forbids them in `n`, but a
/// leading zero changes nothing about the key, so it is tolerated rather than refused.
fn unsigned_member(value: Option<&str>, name: &str) -> Result<Vec<u8>, String> {
    let text = value.ok_or_else(|| format!("\"{name}\" is missing"))?;
    let bytes = b64::decode(text).ok_or_else(|| format!("\"{name}\" is not valid base64url"))?;
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Ok(bytes.get(start..).unwrap_or_default().to_vec())
}

/// Number of significant bits of a big-endian integer without leading zeros.
fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        Some(&top) => (be.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

fn parse_rsa(jwk: &Jwk) -> Result<ParsedPublicKey, String> {
    let n = unsigned_member(jwk.n.as_deref(), "n")?;
    let e = unsigned_member(jwk.e.as_deref(), "e")?;
    let bits = bit_len(&n);
    if bits < RSA_MIN_BITS {
        return Err(format!("the RSA modulus has {bits} bits; at least {RSA_MIN_BITS} are required"));
    }
    if bits > RSA_MAX_BITS {
        return Err(format!("the RSA modulus has {bits} bits; at most {RSA_MAX_BITS} are supported"));
    }
    let e_odd = e.last().is_some_and(|&low| low & 1 == 1);
    if e.len() > 4 || !e_odd || bit_len(&e) < 2 {
        return Err("the RSA public exponent must be odd, at least 3 and at most 32 bits".into());
    }
    RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .map_err(|err| format!("not a valid RSA public key ({err})"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rsa_example() -> Jwk {
        serde_json::from_str(r#"{"kty":"RSA","kid":"2011-04-29","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"}"#).unwrap()
    }

    #[test]
    fn bit_len_counts_significant_bits() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[1]), 1);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0x01, 0, 1]), 17);
    }

    #[test]
    fn infers_rs256_for_rsa_and_accepts_the_rfc_example() {
        let key = VerifyingKey::from_jwk(&rsa_example()).unwrap();
        assert_eq!(key.alg(), Algorithm::RS256);
        assert_eq!(key.kid(), "2011-04-29");
        assert_eq!(key.jwk().use_.as_deref(), Some("sig"));
    }

    #[test]
    fn refuses_keys_without_kid_or_with_enc_use() {
        let mut jwk = rsa_example();
        jwk.kid = None;
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
        let mut jwk = rsa_example();
        jwk.use_ = Some("enc".into());
        let err = VerifyingKey::from_jwk(&jwk).unwrap_err().to_string();
        assert!(err.contains("enc"), "{err}");
    }

    #[test]
    fn refuses_inconsistent_alg_kty_and_crv() {
        for alg in ["ES256", "EdDSA", "HS256", "none", "PS256"] {
            let mut jwk = rsa_example();
            jwk.alg = Some(alg.into());
            assert!(VerifyingKey::from_jwk(&jwk).is_err(), "{alg}");
        }
        let mut jwk = rsa_example();
        jwk.crv = Some("P-256".into());
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
        let mut jwk = rsa_example();
        jwk.kty = "oct".into();
        assert!(VerifyingKey::from_jwk(&jwk).is_err());
    }

    #[test]
    fn refuses_short_rsa_moduli_and_bad_exponents() {
        let mut jwk = rsa_example();
        // Keep only the first 1024 bits of the modulus.
        let n = b64::decode(jwk.n.as_deref().unwrap()).unwrap();
        jwk.n = Some(b64::encode(&n[..128]));
        let err = VerifyingKey::from_jwk(&jwk).unwrap_err().to_string();
        assert!(err.contains("1024 bits"), "{err}");

        for e in ["", "AA", "Ag", "AQAAAAE"] {
            let mut jwk = rsa_example();
            jwk.e = Some(e.into());
            assert!(VerifyingKey::from_jwk(&jwk).is_err(), "e={e}");
        }
    }

    #[test]
    fn tolerates_a_leading_zero_in_the_modulus() {
        let mut jwk = rsa_example();
        let mut n = vec![0u8];
        n.extend(b64::decode(jwk.n.as_deref().unwrap()).unwrap());
        jwk.n = Some(b64::encode(&n));
        assert!(VerifyingKey::from_jwk(&jwk).is_ok());
    }

    #[test]
    fn refuses_ec_points_off_the_curve_or_of_wrong_length() {
        let good = crate::SigningKey::generate(Algorithm::ES256).unwrap().public_jwk();
        assert!(VerifyingKey::from_jwk(&good).is_ok());

        let mut off_curve = good.clone();
        let mut y = b64::decode(off_curve.y.as_deref().unwrap()).unwrap();
        y[31] ^= 1;
        off_curve.y = Some(b64::encode(&y));
        assert!(VerifyingKey::from_jwk(&off_curve).is_err());

        let mut short = good.clone();
        short.x = Some(b64::encode(&[1u8; 31]));
        assert!(VerifyingKey::from_jwk(&short).is_err());

        let mut other_curve = good;
        other_curve.crv = Some("P-384".into());
        assert!(VerifyingKey::from_jwk(&other_curve).is_err());
    }

    #[test]
    fn header_memo_records_distinct_segments_up_to_its_size() {
        let key = VerifyingKey::from_jwk(&rsa_example()).unwrap();
        let header = JwsHeader { alg: "RS256".into(), typ: None, kid: Some("2011-04-29".into()) };
        assert!(key.known_header("a").is_none());
        for segment in ["a", "b", "a", "c", "d", "e", "f"] {
            key.remember_header(segment, &header);
        }
        for segment in ["a", "b", "c", "d"] {
            assert_eq!(key.known_header(segment), Some(&header), "{segment}");
        }
        assert!(key.known_header("e").is_none() && key.known_header("f").is_none());
        // Clones share the memo.
        assert!(key.clone().known_header("a").is_some());
    }

    #[test]
    fn debug_shows_only_kid_and_alg() {
        let key = VerifyingKey::from_jwk(&rsa_example()).unwrap();
        let dbg = format!("{key:?}");
        assert!(dbg.contains("2011-04-29") && !dbg.contains("0vx7"), "{dbg}");
    }
}
