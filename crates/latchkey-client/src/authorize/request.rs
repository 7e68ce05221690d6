//! The authorization request URL (RFC 6749 §4.1.1 with RFC 7636 §4.3): `response_type=code`,
//! the client, the redirect URI, the scope, `state`, and the S256 code challenge; for a
//! step-up (RFC 9470 §4) the `acr_values` and `max_age` a resource asked for (OpenID Connect
//! Core §3.1.2.1), with `prompt=login` when `max_age` is 0 (no earlier sign-in can do). Query
//! parameters are form-encoded by [`Url`], so nothing in a value can inject another one.

use reqwest::Url;

use latchkey_core::step_up::StepUp;

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
    /// The sign-in a resource asked for (RFC 9470); the default asks for nothing more.
    pub step_up: StepUp,
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
            if let Some(acr_values) = &self.step_up.acr_values {
                query.append_pair("acr_values", acr_values);
            }
            if let Some(max_age) = self.step_up.max_age {
                query.append_pair("max_age", &max_age.to_string());
                if max_age == 0 {
                    query.append_pair("prompt", "login");
                }
            }
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
            step_up: StepUp::default(),
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
            step_up: StepUp::default(),
        };
        let url = request.url(&Url::parse("https://a.example/authorize").unwrap());
        assert!(url.query_pairs().all(|(k, _)| k != "scope"));
    }

    #[test]
    fn a_step_up_asks_for_its_acr_values_and_max_age() {
        let request = AuthorizationRequest {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:1/callback".into(),
            scope: None,
            state: State::generate().unwrap(),
            verifier: PkceVerifier::generate().unwrap(),
            step_up: StepUp { acr_values: Some("urn:latchkey:acr:mfa".into()), max_age: Some(300) },
        };
        let url = request.url(&Url::parse("https://a.example/authorize").unwrap());
        let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["acr_values"], "urn:latchkey:acr:mfa");
        assert_eq!(query["max_age"], "300");
        assert!(!query.contains_key("prompt"), "the server judges max_age itself");

        let now = AuthorizationRequest { step_up: StepUp { acr_values: None, max_age: Some(0) }, ..request };
        let query: HashMap<_, _> =
            now.url(&Url::parse("https://a.example/authorize").unwrap()).query_pairs().into_owned().collect();
        assert_eq!((query["max_age"].as_str(), query["prompt"].as_str()), ("0", "login"));
        assert!(!query.contains_key("acr_values"));
    }
}
