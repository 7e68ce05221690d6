//! DPoP proof rules (RFC 9449 §4.3), shared by the server's token and resource endpoints and
//! by `latchkey-guard`: one place decides whether a proof's header and claims fit the request.
//!
//! The signature is not checked here (no cryptography in core): the caller verifies the JWS
//! with the key in its own header (`latchkey_crypto::jws::verify_with_embedded_jwk`) and
//! hands over the `typ`, the key's RFC 7638 thumbprint and the claims; [`check_proof`] then
//! applies the remaining checks of §4.3 with the caller's clock. What needs shared state —
//! the `jti` replay check (§11.1) and nonce validity (§8) — is answered by the caller too:
//! this module says what to record ([`AcceptedProof::replay_key`], until
//! [`AcceptedProof::remember_until`]) and asks whether a nonce is valid through a closure.
//! See docs/architecture.md, "Sender-constrained tokens (DPoP)".

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::bearer::{BearerError, Scheme};
use crate::claims::Confirmation;

/// The `typ` header of a DPoP proof (RFC 9449 §4.2).
pub const PROOF_TYP: &str = "dpop+jwt";

/// The HTTP header that carries the proof (RFC 9449 §4.1).
pub const HEADER: &str = "DPoP";

/// The HTTP header that carries a server nonce (RFC 9449 §8).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// Fewest characters of `jti`: 96 bits of entropy are 16 base64url characters (RFC 9449
/// §4.2 asks for at least 96 bits; a shorter value cannot carry them).
pub const MIN_JTI_LEN: usize = 16;

/// Longest `jti` kept in the replay store.
pub const MAX_JTI_LEN: usize = 256;

/// Whether a client's token requests carry DPoP proofs (RFC 9449 §5): `off` ignores the
/// `DPoP` header (bearer tokens only), `optional` binds tokens when a proof comes, `required`
/// refuses requests without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DpopPolicy {
    Off,
    #[default]
    Optional,
    Required,
}

impl DpopPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "optional" => Some(Self::Optional),
            "required" => Some(Self::Required),
            _ => None,
        }
    }
}

/// The claims of a proof (RFC 9449 §4.2); unknown claims are ignored. The strings borrow
/// from the decoded payload unless JSON escapes made a copy necessary: a proof is parsed on
/// every DPoP request, and nothing in it outlives the checks (docs/architecture.md,
/// "Performance budgets").
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ProofClaims<'a> {
    #[serde(borrow)]
    pub jti: Cow<'a, str>,
    #[serde(borrow)]
    pub htm: Cow<'a, str>,
    #[serde(borrow)]
    pub htu: Cow<'a, str>,
    pub iat: i64,
    #[serde(default, borrow)]
    pub ath: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub nonce: Option<Cow<'a, str>>,
}

/// How old or how far ahead a proof's `iat` may be, in seconds (RFC 9449 §11.1). When the
/// server requires a nonce the nonce bounds freshness instead, and only `max_future` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofWindow {
    /// Oldest accepted `iat`, seconds in the past (the replay store keeps `jti`s this long).
    pub max_age: i64,
    /// Furthest accepted `iat` in the future (client clock skew).
    pub max_future: i64,
}

impl Default for ProofWindow {
    fn default() -> Self {
        Self { max_age: 300, max_future: 60 }
    }
}

/// What the request says a proof must match.
pub struct Expected<'a> {
    /// The request method, e.g. `POST`.
    pub method: &'a str,
    /// The endpoint's public URL, never built from the `Host` header (RFC 9449 §4.3 check 9).
    pub url: EndpointUrl<'a>,
    /// The SHA-256 of the access token presented with the proof ([`access_token_sha256`]), if
    /// any: `ath` must be its base64url (§4.3 check 11). The caller hashes, so that one that
    /// sees a token again can remember its hash.
    pub access_token_sha256: Option<[u8; 32]>,
    /// The key the token is bound to (`cnf.jkt`), if any (§7.1).
    pub bound_jkt: Option<&'a str>,
    /// When `Some`, a nonce is required and the closure says whether one is currently valid.
    pub nonce: Option<&'a dyn Fn(&str) -> bool>,
}

/// An endpoint's public URL as the server's public base URL and the route's path, which it
/// is the concatenation of. Kept in two parts because a proof's `htu` is nearly always written
/// exactly so: comparing it part by part needs no URL built for each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointUrl<'a> {
    /// The public base URL, e.g. `https://api.example.com` or `https://id.example/auth`.
    pub base: &'a str,
    /// The path after it, e.g. `/accounts`.
    pub path: &'a str,
}

impl EndpointUrl<'_> {
    /// Whether `url` is this URL, character for character.
    fn is(&self, url: &str) -> bool {
        url.strip_prefix(self.base).is_some_and(|path| path == self.path)
    }
}

impl std::fmt::Display for EndpointUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.base)?;
        f.write_str(self.path)
    }
}

/// Why a proof is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpopError {
    /// The proof is malformed or does not fit the request: `invalid_dpop_proof` (§7.1).
    InvalidProof(&'static str),
    /// The proof lacks a current server nonce: `use_dpop_nonce` with a fresh `DPoP-Nonce` (§8).
    UseNonce,
}

impl DpopError {
    /// The RFC 9449 §12.2 error code.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            Self::InvalidProof(_) => crate::ErrorCode::InvalidDpopProof,
            Self::UseNonce => crate::ErrorCode::UseDpopNonce,
        }
    }

    /// A description for the developer; never repeats the proof.
    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidProof(why) => why,
            Self::UseNonce => "the DPoP proof must carry the nonce of the DPoP-Nonce header",
        }
    }
}

/// A proof that fits the request; still to be recorded as used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedProof {
    /// The RFC 7638 thumbprint of the proof key: what tokens get bound to (`cnf.jkt`).
    pub jkt: String,
    /// The proof's identity for the replay store: thumbprint, `htu` and `jti` (§11.1).
    pub replay_key: String,
    /// Until when the replay store must remember it: after that, `iat` is too old anyway.
    pub remember_until: i64,
    /// The server nonce the proof carried, when one was required: the caller sends the next
    /// one with its answer when this one is due to change (§8.2).
    pub nonce: Option<String>,
}

/// The proof of a request, from all its `DPoP` header values: exactly one (§4.3 check 1).
pub fn proof_from_headers<'a, I>(values: I) -> Result<Option<&'a str>, DpopError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut values = values.into_iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(DpopError::InvalidProof("more than one DPoP header"));
    }
    let text =
        std::str::from_utf8(value).map_err(|_| DpopError::InvalidProof("the DPoP header is not text"))?;
    Ok(Some(text.trim()))
}

/// Which key a request at a protected resource must prove (RFC 9449 §7.1, §7.2), from the
/// scheme the access token came with and the token's `cnf`: none for an unbound token sent
/// as `Bearer`, the bound key for a bound token sent as `DPoP`. A bound token sent as
/// `Bearer` and an unbound one sent as `DPoP` are refused (`invalid_token`).
pub fn required_proof_key(scheme: Scheme, cnf: Option<&Confirmation>) -> Result<Option<&str>, BearerError> {
    match (scheme, cnf) {
        (Scheme::Bearer, None) => Ok(None),
        (Scheme::Bearer, Some(_)) => Err(BearerError::InvalidToken(
            "this access token is bound to a DPoP key: send it with the DPoP scheme and a proof".into(),
        )),
        (Scheme::Dpop, None) => {
            Err(BearerError::InvalidToken("this access token is not DPoP-bound: send it as Bearer".into()))
        }
        (Scheme::Dpop, Some(cnf)) => Ok(Some(&cnf.jkt)),
    }
}

/// `ath`: base64url(SHA-256(access token)) (RFC 9449 §4.2).
pub fn access_token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(access_token_sha256(access_token))
}

/// SHA-256 of an access token, of which `ath` is the base64url (RFC 9449 §4.2).
pub fn access_token_sha256(access_token: &str) -> [u8; 32] {
    Sha256::digest(access_token.as_bytes()).into()
}

/// Whether `ath` is the base64url of `sha256`, encoded on the stack (this runs on every request
/// with a bound token; see docs/architecture.md, "Performance budgets"). Both are public (the
/// sender holds the token and wrote `ath`), so the comparison needs no constant time.
fn is_access_token_hash(ath: &str, sha256: &[u8; 32]) -> bool {
    let mut encoded = [0u8; 43];
    URL_SAFE_NO_PAD.encode_slice(sha256, &mut encoded).is_ok_and(|len| &encoded[..len] == ath.as_bytes())
}

/// The proof's `htu` in the form it is compared and remembered in, when it names the endpoint
/// at `url` (§4.3 check 9). A client usually writes the URL exactly as the endpoint's: then
/// nothing is parsed or built; otherwise both are normalized ([`normalize_htu`]) and compared.
fn matching_htu<'a>(htu: &'a str, url: EndpointUrl<'_>) -> Result<Cow<'a, str>, DpopError> {
    if url.is(htu) {
        return Ok(Cow::Borrowed(htu));
    }
    let htu =
        normalize_htu(htu).ok_or(DpopError::InvalidProof("the DPoP proof's htu is not an http(s) URL"))?;
    if Some(htu.as_str()) != normalize_htu(&url.to_string()).as_deref() {
        return Err(DpopError::InvalidProof("the DPoP proof's htu is not this endpoint's URL"));
    }
    Ok(Cow::Owned(htu))
}

/// An `htu` or endpoint URL in the form RFC 9449 §4.3 compares: scheme and host lower-case,
/// default port dropped, path kept, query and fragment removed (RFC 3986 §6.2.2-§6.2.3).
pub fn normalize_htu(url: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host().is_none() {
        return None;
    }
    parsed.set_query(None);
    parsed.set_fragment(None);
    Some(parsed.to_string())
}

/// Applies the checks of RFC 9449 §4.3 that follow the signature: `typ`, `htm`, `htu`,
/// `jti` length, `iat` window (or nonce), `ath`, and the key binding.
pub fn check_proof(
    typ: Option<&str>,
    jkt: &str,
    claims: &ProofClaims<'_>,
    expected: &Expected<'_>,
    window: ProofWindow,
    now: i64,
) -> Result<AcceptedProof, DpopError> {
    use DpopError::InvalidProof;
    if typ != Some(PROOF_TYP) {
        return Err(InvalidProof("the DPoP proof's typ is not dpop+jwt"));
    }
    if claims.jti.len() < MIN_JTI_LEN || claims.jti.len() > MAX_JTI_LEN {
        return Err(InvalidProof("the DPoP proof's jti must have 96 to 1536 bits"));
    }
    if claims.htm != expected.method {
        return Err(InvalidProof("the DPoP proof's htm is not this request's method"));
    }
    let htu = matching_htu(&claims.htu, expected.url)?;
    if claims.iat > now + window.max_future {
        return Err(InvalidProof("the DPoP proof was issued in the future; check the clock"));
    }
    match expected.nonce {
        Some(is_valid) if !claims.nonce.as_deref().is_some_and(is_valid) => return Err(DpopError::UseNonce),
        None if claims.iat < now - window.max_age => return Err(InvalidProof("the DPoP proof is too old")),
        Some(_) | None => {}
    }
    match (&expected.access_token_sha256, claims.ath.as_deref()) {
        (Some(sha256), Some(ath)) if is_access_token_hash(ath, sha256) => {}
        (Some(_), _) => return Err(InvalidProof("the DPoP proof's ath is not the access token's hash")),
        (None, _) => {}
    }
    if expected.bound_jkt.is_some_and(|bound| bound != jkt) {
        return Err(InvalidProof("the DPoP proof is not signed by the key the token is bound to"));
    }
    Ok(AcceptedProof {
        jkt: jkt.to_owned(),
        // One allocation of the right size; `format!` grows its buffer several times here.
        replay_key: [jkt, &*htu, &*claims.jti].join(" "),
        remember_until: claims.iat.max(now) + window.max_age + window.max_future,
        nonce: expected.nonce.and(claims.nonce.as_deref().map(str::to_owned)),
    })
}

#[cfg(test)]
#[path = "dpop_tests.rs"]
mod tests;
