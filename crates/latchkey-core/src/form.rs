//! Strict `application/x-www-form-urlencoded` parsing for OAuth endpoints.
//!
//! Hand-written over `percent-encoding` because the usual form decoders are lenient where
//! OAuth must not be: `form_urlencoded` replaces invalid UTF-8 with U+FFFD and keeps repeated
//! keys silently. RFC 6749 §3.1/§3.2 say parameters "MUST NOT be included more than once" and
//! that a parameter "sent without a value MUST be treated as if it were omitted".

use percent_encoding::percent_decode;

use crate::OAuthError;

/// Most parameters any Latchkey endpoint accepts; a body with more is refused outright.
const MAX_PARAMS: usize = 64;

/// The decoded parameters of one form body, each name at most once.
#[derive(Debug, Default)]
pub struct FormParams {
    pairs: Vec<(String, String)>,
}

impl FormParams {
    /// Decodes a form body. Refuses repeated parameter names, invalid UTF-8 and more than
    /// [`MAX_PARAMS`] parameters with `invalid_request`.
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let pairs = Self::parse_all(body)?;
        for (i, (name, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(existing, _)| existing == name) {
                return Err(repeated(name));
            }
        }
        Ok(Self { pairs })
    }

    /// Decodes every pair, repeated names included (for the authorization endpoint, which
    /// must know `client_id` and `redirect_uri` before it can report a repeated parameter).
    /// Refuses invalid UTF-8 and more than [`MAX_PARAMS`] parameters.
    pub fn parse_all(body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for field in body.split(|b| *b == b'&').filter(|f| !f.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(OAuthError::invalid_request("too many parameters"));
            }
            let (raw_name, raw_value) = match field.iter().position(|b| *b == b'=') {
                Some(eq) => (&field[..eq], &field[eq + 1..]),
                None => (field, &[][..]),
            };
            pairs.push((decode_component(raw_name)?, decode_component(raw_value)?));
        }
        Ok(pairs)
    }

    /// The parameter's value; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
    }

    /// The parameter's value, or `invalid_request` naming the missing parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
    }
}

/// Whether a `Content-Type` value names `application/x-www-form-urlencoded` (the media type
/// is case-insensitive and parameters such as `charset` are ignored, RFC 9110 §8.3.1).
pub fn is_form_content_type(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Decodes one form-encoded component (`+` is a space, then percent-decoding), refusing
/// invalid UTF-8. Also the decoding of HTTP Basic client credentials (RFC 6749 §2.3.1).
///
/// A component with neither `+` nor `%` (every token, secret and client id the server issues)
/// is copied as it is, in one allocation: decoding byte by byte cost a refresh grant 10,000
/// instructions (docs/architecture.md, "Performance budgets").
pub fn decode_component(raw: &[u8]) -> Result<String, OAuthError> {
    let bytes = if raw.iter().any(|b| matches!(b, b'+' | b'%')) {
        let plus_as_space: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        percent_decode(&plus_as_space).collect()
    } else {
        raw.to_vec()
    };
    String::from_utf8(bytes).map_err(|_| OAuthError::invalid_request("the request body is not valid UTF-8"))
}

/// The error for a repeated parameter. It names the parameter only when the name could be a
/// protocol parameter's (lowercase letters and `_`, as every RFC 6749 name is): anything else
/// is attacker input that an error description never repeats.
fn repeated(name: &str) -> OAuthError {
    let protocol_name =
        (1..=40).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    let which = if protocol_name { name } else { "a parameter" };
    OAuthError::invalid_request(format!(
        "{which} is repeated; RFC 6749 section 3.2 allows each parameter once"
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let form = FormParams::parse(b"a=b+c%2Bd&e=%E2%9C%93&f=as-is_.~").unwrap();
        assert_eq!(form.get("a"), Some("b c+d"));
        assert_eq!(form.get("e"), Some("\u{2713}"));
        assert_eq!(form.get("f"), Some("as-is_.~"));
    }

    #[test]
    fn repeated_parameter_is_refused() {
        let err = FormParams::parse(b"scope=a&scope=b").unwrap_err();
        assert!(err.description().unwrap().contains("repeated"));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert!(FormParams::parse(b"a=%FF%FE").is_err());
        assert!(FormParams::parse(b"a=\xff").is_err());
    }

    #[test]
    fn empty_value_is_absent() {
        let form = FormParams::parse(b"scope=&x").unwrap();
        assert_eq!(form.get("scope"), None);
        assert!(form.require("x").is_err());
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("p{i}=1")).collect();
        assert!(FormParams::parse(body.join("&").as_bytes()).is_err());
    }
}
