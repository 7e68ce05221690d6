//! Step 2: the rest of the request (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1), parsed by
//! `latchkey_core::authorize`, and whether this client may use the code flow at all
//! (RFC 6749 §4.1.2.1 `unauthorized_client`). Errors go back to the client.

use latchkey_core::authorize::AuthorizationRequest;
use latchkey_core::grant::GrantType;
use latchkey_core::OAuthError;

use super::error::AuthorizeError;
use super::resolve_client::ClientRequest;

pub fn parse(client_request: &ClientRequest) -> Result<AuthorizationRequest, AuthorizeError> {
    let back = &client_request.return_to;
    let request = AuthorizationRequest::parse(&client_request.pairs).map_err(|e| back.error(e))?;
    if !client_request.client.grant_types.contains(&GrantType::AuthorizationCode) {
        return Err(back
            .error(OAuthError::unauthorized_client("this client may not use the authorization code flow")));
    }
    Ok(request)
}
