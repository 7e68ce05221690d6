//! A native app's token exchange through the SDK against Latchkey: a nonce from
//! `/native/nonce`, a Facebook access token (the shared stand-in, with `debug_token`)
//! exchanged for Latchkey's tokens, and a token of another app refused with its RFC 8693 error.

use latchkey_client::{ErrorCode, SubjectToken};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_server::federation::providers::{add_provider, SecretSealer};

use crate::facebook_stand_in::{self, OTHER_APP_TOKEN, TOKEN};
use crate::testkit::{TestServer, START};

async fn with_facebook(server: &TestServer) {
    let spec = facebook_stand_in::provider_spec(&facebook_stand_in::start(START).await);
    let latchkey = server.latchkey();
    let sealer = SecretSealer::new(&latchkey.master).unwrap();
    add_provider(latchkey.store.as_ref(), &sealer, spec, START).await.unwrap();
}

#[tokio::test]
async fn a_native_app_exchanges_a_facebook_token_and_gets_a_nonce() {
    let server = TestServer::start().await;
    with_facebook(&server).await;
    let credentials = server
        .add_client(ClientKind::Public, &[GrantType::TokenExchange, GrantType::RefreshToken], "profile")
        .await;
    let client = server.client(credentials).await;
    let nonce = client.native_nonce().await.unwrap();
    assert_eq!(nonce.len(), 43, "256 bits, base64url");
    assert_ne!(client.native_nonce().await.unwrap(), nonce);

    let refused = client.exchange_token("facebook", SubjectToken::AccessToken(OTHER_APP_TOKEN), None).await;
    assert_eq!(refused.unwrap_err().oauth_code(), Some(&ErrorCode::InvalidRequest));
    let tokens =
        client.exchange_token("facebook", SubjectToken::AccessToken(TOKEN), Some("profile")).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.scope.as_deref(), Some("profile"));
    let renewed = client.refresh(tokens.refresh_token.as_deref().unwrap()).await.unwrap();
    assert_ne!(renewed.access_token, tokens.access_token);
}
