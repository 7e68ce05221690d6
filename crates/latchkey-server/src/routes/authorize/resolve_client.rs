//! Step 1: whose request is this, and where may its answer go? (RFC 6749 §4.1.1, §3.1.2.3)
//!
//! The raw request is decoded, its `client_id` looked up and its `redirect_uri` matched
//! against the client's registration (`latchkey_core::redirect_uri`). Until this step
//! succeeds nothing may redirect, so all its errors are error pages (RFC 6749 §4.1.2.1); from
//! its result on, errors go back to the client through [`ReturnTo`].

use latchkey_core::authorize::{state_of, Target};
use latchkey_core::form::FormParams;
use latchkey_core::redirect_uri::{self, Unresolved};
use latchkey_store::Client;

use super::error::{AuthorizeError, ReturnTo};
use crate::pages::{tr, tr_args};
use crate::state::AppState;

/// Longest query string or body the endpoint reads.
pub const MAX_REQUEST_LEN: usize = 8 * 1024;

/// An authorization request whose client and redirect URI are known.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    /// The request's parameters, in order, repeats kept (the parse step refuses them).
    pub pairs: Vec<(String, String)>,
    pub client: Client,
    /// Whether the request named its `redirect_uri` (the token request must repeat it then).
    pub redirect_uri_given: bool,
    pub return_to: ReturnTo,
}

/// The request's parameters, or the page saying why they cannot be read.
pub fn decode(query: &str) -> Result<Vec<(String, String)>, AuthorizeError> {
    if query.len() > MAX_REQUEST_LEN {
        return Err(AuthorizeError::page(tr("authorize-too-long")));
    }
    FormParams::parse_all(query.as_bytes()).map_err(|_| AuthorizeError::page(tr("authorize-malformed")))
}

/// The page for a request whose `redirect_uri` cannot be resolved.
fn unresolved_page(problem: Unresolved) -> AuthorizeError {
    AuthorizeError::page(match problem {
        Unresolved::NotRegistered => tr("error-unregistered-redirect"),
        Unresolved::Missing => tr("authorize-no-redirect"),
    })
}

/// Decodes `query` and resolves its client and redirect URI.
pub async fn resolve(state: &AppState, query: &str) -> Result<ClientRequest, AuthorizeError> {
    let pairs = decode(query)?;
    let target = Target::parse(&pairs).map_err(|problem| {
        AuthorizeError::page(tr_args("authorize-invalid", &[("problem", problem.to_string().into())]))
    })?;
    let client = state
        .store
        .client_by_id(&target.client_id)
        .await?
        .ok_or_else(|| AuthorizeError::page(tr("authorize-unknown-client")))?;
    let redirect_uri = redirect_uri::resolve(&client.redirect_uris, target.redirect_uri.as_deref())
        .map_err(unresolved_page)?;
    let return_to =
        ReturnTo { redirect_uri, client_state: state_of(&pairs), issuer: state.issuer.to_string() };
    Ok(ClientRequest { redirect_uri_given: target.redirect_uri.is_some(), pairs, client, return_to })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oversized_and_malformed_requests_are_pages() {
        let long = "a".repeat(MAX_REQUEST_LEN + 1);
        assert!(matches!(decode(&long), Err(AuthorizeError::Page(_))));
        assert!(matches!(decode("client_id=%FF"), Err(AuthorizeError::Page(_))));
        assert_eq!(decode("client_id=a&x=").unwrap()[0], ("client_id".to_owned(), "a".to_owned()));
    }
}
