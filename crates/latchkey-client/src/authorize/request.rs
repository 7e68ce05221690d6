//! The authorization request URL (RFC 6749 §4.1.1 with RFC 7636 §4.3): `response_type=code`,
//! the client, the redirect URI, the scope, `state`, and the S256 code challenge. Query
//! parameters are form-encoded by [`Url`], so nothing in a value can inject another one.

use reqwest::Url;

use crate::pkce::{PkceVerifier, State};

/// One authorization request: what goes in the URL and what the client keeps to check the
/// redirect and redeem the code.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Option<String>,
    pub state: State,
    pub verifier: PkceVerifier,
}

impl AuthorizationRequest {
    /// The URL to open in the user's browser.
    pub fn url(&self, authorization_endpoint: &Url) -> Url {
        let mut url = authorization_endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", &self.redirect_uri);
            if let Some(scope) = &self.scope {
                query.append_pair("scope", scope);
            }
            query
                .append_pair("state", self.state.as_str())
                .append_pair("code_challenge", &self.verifier.challenge())
                .append_pair("code_challenge_method", "S256");
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn url_carries_every_parameter_once_and_keeps_existing_query() {
        let request = AuthorizationRequest {
            client_id: "native app".into(),
            redirect_uri: "http://127.0.0.1:49152/callback".into(),
            scope: Some("profile bank:read".into()),
            state: State::generate().unwrap(),
            verifier: PkceVerifier::generate().unwrap(),
        };
        let endpoint = Url::parse("https://auth.example.com/authorize?tenant=a%26b").unwrap();
        let url = request.url(&endpoint);
        assert_eq!(url.path(), "/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs.len(), 8, "{pairs:?}");
        let query: HashMap<_, _> = pairs.into_iter().collect();
        assert_eq!(query["tenant"], "a&b");
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "native app");
        assert_eq!(query["redirect_uri"], "http://127.0.0.1:49152/callback");
        assert_eq!(query["scope"], "profile bank:read");
        assert_eq!(query["state"], request.state.as_str());
        assert_eq!(query["code_challenge"], request.verifier.challenge());
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(!url.as_str().contains(request.verifier.as_str()), "the verifier never leaves");
    }

    #[test]
    fn scope_is_optional() {
        let request = AuthorizationRequest {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            scope: None,
            state: State::generate().unwrap(),
            verifier: PkceVerifier::generate().unwrap(),
        };
        let url = request.url(&Url::parse("https://a.example/authorize").unwrap());
        assert!(url.query_pairs().all(|(k, _)| k != "scope"));
    }
}
