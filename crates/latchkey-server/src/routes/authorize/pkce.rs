//! Step 3: PKCE (RFC 7636 §4.3). The rule itself, that every client (but a confidential one
//! registered without PKCE) must send an S256 challenge, is `latchkey_core::pkce::require_for`;
//! its error goes back to the client.

use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::pkce;

use super::error::AuthorizeError;
use super::resolve_client::ClientRequest;

pub fn check(client_request: &ClientRequest, request: &AuthorizationRequest) -> Result<(), AuthorizeError> {
    let client = &client_request.client;
    pkce::require_for(client.kind, client.pkce_required, request.code_challenge.as_ref())
        .map_err(|e| client_request.return_to.error(e))
}
