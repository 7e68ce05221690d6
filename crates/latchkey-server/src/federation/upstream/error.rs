//! Why talking to an upstream provider failed, in words safe to show a user.
//!
//! Nothing an upstream sent is echoed, except an RFC 6749 §5.2 / §4.1.2.1 error code that
//! passes a strict charset check ([`error_code`]): the upstream is a third party whose bytes
//! may be hostile (markup, very long strings, secrets reflected from our request).

/// A failed upstream interaction. `Display` is safe to show on an error page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The provider did not answer (connection refused, timeout, 5xx).
    #[error("the identity provider could not be reached")]
    Unreachable,
    /// The discovery document is missing, malformed or names another issuer.
    #[error("the identity provider's configuration is not usable: {0}")]
    Discovery(&'static str),
    /// The user declined at the provider (`error=access_denied` on the callback).
    #[error("the sign-in was cancelled at the identity provider")]
    AccessDenied,
    /// The authorization endpoint redirected back with another error code.
    #[error("the identity provider refused the sign-in ({0})")]
    Authorization(String),
    /// The token endpoint refused the code or refresh token (its error code only).
    #[error("the identity provider's token endpoint refused the request ({0})")]
    TokenEndpoint(String),
    /// The ID token failed one of the checks; names which.
    #[error("the identity provider's ID token was refused: {0}")]
    IdToken(&'static str),
    /// The profile (UserInfo, GitHub `/user`, Facebook `/me`) was unusable.
    #[error("the identity provider's profile could not be used: {0}")]
    Profile(&'static str),
    /// UserInfo's `sub` is not the ID token's (OpenID Connect Core §5.3.2).
    #[error("the identity provider's profile is for another user than its ID token")]
    SubjectMismatch,
}

impl UpstreamError {
    /// The error for an `error` parameter on the callback (RFC 6749 §4.1.2.1).
    pub fn from_authorization_error(code: &str) -> Self {
        if code == "access_denied" {
            UpstreamError::AccessDenied
        } else {
            UpstreamError::Authorization(error_code(code))
        }
    }
}

/// Longest upstream error code echoed.
const MAX_CODE_LEN: usize = 64;

/// `code` when it looks like an RFC 6749 error code (a subset of its NQSCHAR set: ASCII
/// letters, digits, `_`, `-`, `.`; at most 64 characters), else `invalid_response`.
pub(crate) fn error_code(code: &str) -> String {
    let plain = code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if plain && !code.is_empty() && code.len() <= MAX_CODE_LEN {
        code.to_owned()
    } else {
        "invalid_response".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_error_codes_are_echoed() {
        assert_eq!(error_code("bad_verification_code"), "bad_verification_code");
        assert_eq!(error_code("<script>"), "invalid_response");
        assert_eq!(error_code(""), "invalid_response");
        assert_eq!(error_code(&"a".repeat(65)), "invalid_response");
        assert_eq!(error_code("invalid grant"), "invalid_response");
    }

    #[test]
    fn access_denied_on_the_callback_is_its_own_error() {
        assert_eq!(UpstreamError::from_authorization_error("access_denied"), UpstreamError::AccessDenied);
        assert_eq!(
            UpstreamError::from_authorization_error("server_error"),
            UpstreamError::Authorization("server_error".into())
        );
        let shown = UpstreamError::from_authorization_error("<b>x</b>").to_string();
        assert!(!shown.contains('<'), "{shown}");
    }
}
