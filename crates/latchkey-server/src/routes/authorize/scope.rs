//! Step 4: the scope to grant (RFC 6749 §3.3): what was asked for, if the client may have it,
//! or everything it may have when it asked for nothing. An invalid request goes back to the
//! client as `invalid_scope`; an invalid stored registration is a server failure.

use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::scope::Scope;

use super::error::AuthorizeError;
use super::resolve_client::ClientRequest;
use crate::error::ApiError;

pub fn grant(
    client_request: &ClientRequest,
    request: &AuthorizationRequest,
) -> Result<Scope, AuthorizeError> {
    let client = &client_request.client;
    let allowed = Scope::from_tokens(&client.scopes)
        .map_err(|_| ApiError::from(anyhow::anyhow!("client {} has an invalid stored scope", client.id)))?;
    Scope::grant(request.scope.as_ref(), &allowed).map_err(|e| client_request.return_to.error(e))
}
