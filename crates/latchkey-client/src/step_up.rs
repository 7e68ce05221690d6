//! Reading a step-up challenge (RFC 9470 §3): a resource server's `401` with
//! `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values="...",
//! max_age=...` (or the `DPoP` scheme) becomes a [`StepUp`] that the application hands back to
//! the authorization-code flow ([`OAuthClient::begin_step_up`](crate::OAuthClient::begin_step_up),
//! [`OAuthClient::step_up_native`](crate::OAuthClient::step_up_native)). Renewing the token
//! cannot help: a refresh keeps the sign-in it started from.

use latchkey_core::step_up::StepUp;

/// The error code of RFC 9470 §3.
const CODE: &str = "insufficient_user_authentication";

/// The step-up a `WWW-Authenticate` value asks for, if it is an RFC 9470 challenge.
pub(crate) fn from_challenge(challenge: &str) -> Option<StepUp> {
    let (_scheme, params) = challenge.trim_start().split_once(' ')?;
    let mut step_up = StepUp::default();
    let mut is_step_up = false;
    for (name, value) in auth_params(params) {
        match name.to_ascii_lowercase().as_str() {
            "error" => is_step_up = value == CODE,
            "acr_values" => step_up.acr_values = Some(value).filter(|v| !v.is_empty()),
            "max_age" => step_up.max_age = value.parse().ok(),
            _ => {}
        }
    }
    is_step_up.then_some(step_up)
}

/// The `name=value` pairs of an RFC 9110 §11.2 challenge, values as `token` or
/// `quoted-string` (backslash escapes removed); parsing stops at the first malformed pair.
fn auth_params(mut rest: &str) -> Vec<(&str, String)> {
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        let Some((name, after)) = rest.split_once('=') else { return params };
        let after = after.trim_start();
        let (value, remaining) = match after.strip_prefix('"') {
            Some(quoted) => match unquote(quoted) {
                Some(found) => found,
                None => return params,
            },
            None => {
                let end = after.find([',', ' ', '\t']).unwrap_or(after.len());
                (after[..end].to_owned(), &after[end..])
            }
        };
        params.push((name.trim(), value));
        rest = remaining;
    }
}

/// The content of a quoted-string whose opening quote is already consumed, and what follows
/// its closing quote; `None` when it is not closed.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?.1),
            '"' => return Some((value, &text[i + 1..])),
            _ => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_9470_challenge_is_read_in_either_scheme_and_either_value_form() {
        let bearer = "Bearer realm=\"bank, \\\"main\\\"\", error=\"insufficient_user_authentication\", \
                      error_description=\"needs a sign-in, recent\", acr_values=\"urn:a urn:b\", max_age=\"300\"";
        let asked = StepUp { acr_values: Some("urn:a urn:b".into()), max_age: Some(300) };
        assert_eq!(from_challenge(bearer), Some(asked));
        let dpop = "DPoP algs=\"ES256\", error=insufficient_user_authentication, max_age=5";
        assert_eq!(from_challenge(dpop), Some(StepUp { acr_values: None, max_age: Some(5) }));
    }

    #[test]
    fn other_challenges_are_not_a_step_up() {
        assert_eq!(from_challenge("Bearer realm=\"bank\", error=\"invalid_token\", max_age=\"5\""), None);
        assert_eq!(from_challenge("Bearer realm=\"bank\""), None);
        assert_eq!(from_challenge("Bearer error=\"insufficient_user_authentication"), None, "unclosed");
        assert_eq!(from_challenge(""), None);
    }
}
