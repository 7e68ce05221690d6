//! Splitting and decoding the three parts of a compact JWS (RFC 7515 §7.1):
//! `BASE64URL(header) . BASE64URL(payload) . BASE64URL(signature)`.
//!
//! Nothing here allocates for tokens of ordinary size: the parts are borrowed from the token,
//! and decoding goes into uninitialized stack buffers, falling back to the heap only for
//! unusually large parts.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::{JwsError, JwsHeader, MAX_TOKEN_LEN};
use crate::b64;

/// Room for the largest signature we can verify (RSA-8192: 1024 bytes).
const SIG_BUF_LEN: usize = 1024;
/// Headers and payloads up to this size (decoded) are decoded on the stack.
const STACK_BUF_LEN: usize = 2048;

/// The parts of a compact JWS, borrowed from the token.
pub(super) struct Parts<'a> {
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    /// `header '.' payload`: the bytes the signature covers (RFC 7515 §5.2 step 8).
    pub signing_input: &'a str,
}

fn malformed(reason: &str) -> JwsError {
    JwsError::Malformed(reason.to_owned())
}

/// Splits a token into its three parts, checking size and shape only.
pub(super) fn split(token: &str) -> Result<Parts<'_>, JwsError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwsError::TooLarge);
    }
    let not_compact =
        || malformed("expected three base64url parts separated by dots (header.payload.signature)");
    // Vectorized searches from both ends: the first dot ends the header, the last starts the
    // signature, and the payload between them must hold no further dot.
    let bytes = token.as_bytes();
    let first = memchr::memchr(b'.', bytes).ok_or_else(not_compact)?;
    let last = memchr::memrchr(b'.', bytes).ok_or_else(not_compact)?;
    if first == last {
        return Err(not_compact());
    }
    let (Some(header), Some(payload), Some(signature), Some(signing_input)) =
        (token.get(..first), token.get(first + 1..last), token.get(last + 1..), token.get(..last))
    else {
        return Err(not_compact());
    };
    if memchr::memchr(b'.', payload.as_bytes()).is_some() {
        return Err(malformed(
            "it has more than three parts; encrypted (JWE) and JSON-serialized tokens are not accepted",
        ));
    }
    if header.is_empty() {
        return Err(malformed("the header part is empty"));
    }
    if payload.is_empty() {
        return Err(malformed("the payload part is empty"));
    }
    Ok(Parts { header, payload, signature, signing_input })
}

/// Whether `text` is valid base64url without padding.
pub(super) fn is_base64url(text: &str) -> bool {
    with_decoded(text, |_| ()).is_some()
}

/// Decodes `segment` and hands the bytes to `f`; `None` if it is not valid base64url.
pub(super) fn with_decoded<R>(segment: &str, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let len = b64::decoded_len(segment.as_bytes())?;
    if len <= STACK_BUF_LEN {
        let mut buf = [MaybeUninit::<u8>::uninit(); STACK_BUF_LEN];
        Some(f(b64::decode_into(segment.as_bytes(), &mut buf)?))
    } else {
        Some(f(&b64::decode(segment)?))
    }
}

/// Decodes a signature into a stack buffer and hands it to `f`.
pub(super) fn with_signature<R>(segment: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, JwsError> {
    let not_base64 = || malformed("the signature is not valid base64url");
    let len = b64::decoded_len(segment.as_bytes()).ok_or_else(not_base64)?;
    if len > SIG_BUF_LEN {
        // Longer than any signature we can verify (RSA-8192: 1024 bytes).
        return Err(JwsError::BadSignature);
    }
    let mut buf = [MaybeUninit::<u8>::uninit(); SIG_BUF_LEN];
    let sig = b64::decode_into(segment.as_bytes(), &mut buf).ok_or_else(not_base64)?;
    Ok(f(sig))
}

/// Parses a decoded JSON part. The bytes must be UTF-8 as a whole (RFC 7519 §7.2 steps 8-9,
/// RFC 8259 §8.1), checked in one pass; serde_json then reads a `str` and does not check each
/// string again, which it does for bytes (a tenth of the JOSE overhead of a DPoP request).
pub(super) fn parse_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, JwsError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| JwsError::InvalidClaims("the JSON is not UTF-8".into()))?;
    serde_json::from_str(text).map_err(|e| JwsError::InvalidClaims(e.to_string()))
}

/// The header as parsed: the public members plus whether `crit` was present.
pub(super) struct ParsedHeader {
    pub alg: String,
    pub typ: Option<String>,
    pub kid: Option<String>,
    pub crit: bool,
}

impl ParsedHeader {
    pub(super) fn into_public(self) -> JwsHeader {
        JwsHeader { alg: self.alg, typ: self.typ, kid: self.kid }
    }
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow)]
    typ: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    crit: bool,
}

/// `true` whenever the member is present, whatever its value (even `null`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Decodes and parses the protected header (RFC 7515 §5.2 steps 2-4): base64url, then a JSON
/// object with a string `alg`. Duplicate members are refused (§5.2 step 4 allows that, and it
/// removes any doubt about which `alg` or `kid` counts).
pub(super) fn parse_header(segment: &str) -> Result<ParsedHeader, JwsError> {
    with_decoded(segment, |bytes| {
        // serde would also accept a JSON array for a struct; a JOSE header must be an object.
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(malformed("the header is not a JSON object"));
        }
        let raw: RawHeader<'_> = serde_json::from_slice(bytes)
            .map_err(|e| JwsError::Malformed(format!("the header is not valid: {e}")))?;
        Ok(ParsedHeader {
            alg: raw.alg.into_owned(),
            typ: raw.typ.map(Cow::into_owned),
            kid: raw.kid.map(Cow::into_owned),
            crit: raw.crit,
        })
    })
    .ok_or_else(|| malformed("the header is not valid base64url"))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        b64::encode(s.as_bytes())
    }

    #[test]
    fn split_borrows_the_signing_input() {
        let token = format!("{}.{}.c2ln", enc("{}"), enc("{}"));
        let parts = split(&token).unwrap();
        assert_eq!(parts.signing_input, format!("{}.{}", enc("{}"), enc("{}")));
        assert_eq!(parts.signature, "c2ln");
    }

    #[test]
    fn split_refuses_wrong_shapes() {
        for token in ["", "a", "a.b", "a.b.c.d", "a.b.c.d.e", ".b.c", "a..c"] {
            assert!(matches!(split(token), Err(JwsError::Malformed(_))), "{token}");
        }
        assert_eq!(split(&"a".repeat(MAX_TOKEN_LEN + 1)).err(), Some(JwsError::TooLarge));
    }

    #[test]
    fn header_must_be_a_json_object_with_string_alg() {
        for bad in [r#"["ES256",null,"k"]"#, "null", r#""x""#, "{", r#"{"typ":"JWT"}"#, r#"{"alg":1}"#] {
            assert!(matches!(parse_header(&enc(bad)), Err(JwsError::Malformed(_))), "{bad}");
        }
        let dup = r#"{"alg":"ES256","alg":"none","kid":"k"}"#;
        assert!(matches!(parse_header(&enc(dup)), Err(JwsError::Malformed(_))));
        assert!(matches!(parse_header("***"), Err(JwsError::Malformed(_))));
    }

    #[test]
    fn header_detects_crit_even_when_null() {
        for crit in [r#"["exp"]"#, "[]", "null", "1"] {
            let json = format!(r#"{{"alg":"ES256","kid":"k","crit":{crit}}}"#);
            assert!(parse_header(&enc(&json)).unwrap().crit, "{crit}");
        }
        let plain = parse_header(&enc(r#"{"alg":"ES256","kid":"k","x5u":"https://evil"}"#)).unwrap();
        assert!(!plain.crit);
        assert_eq!(plain.kid.as_deref(), Some("k"));
    }

    #[test]
    fn header_strings_with_json_escapes_are_unescaped() {
        let header = parse_header(&enc(r#"{"alg":"ES256","typ":"at+jwt","kid":"k\/1\u0041"}"#)).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k/1A"));
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn large_parts_decode_on_the_heap() {
        let big = "x".repeat(STACK_BUF_LEN * 2);
        let seen = with_decoded(&enc(&big), |bytes| bytes.len()).unwrap();
        assert_eq!(seen, big.len());
        assert!(with_decoded("a", |_| ()).is_none());
        assert!(with_decoded("YQ==", |_| ()).is_none(), "padding is refused");
    }
}
