//! The token exchange against a real OpenID Connect provider (panva's oidc-provider,
//! `e2e/upstream-provider.mjs`) on both backends: a native app signs in there as its own
//! public client (PKCE, a private-use redirect, our nonce), gets an ID token issued to the
//! app's client id, and exchanges it for Latchkey's tokens. With the app's client id not
//! configured as a native client id, the same kind of token is refused (another app's
//! audience) and no user is created.

use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::ID_TOKEN_TYPE;
use serde_json::Value;

use crate::exchange_kit::{exchange, native_app, nonce, payload, register};
use crate::federation::Upstream;
use crate::native_app::{sign_in_as_native_app, NATIVE_CLIENT_ID};
use crate::testkit::{assert_oauth_error, TestServer};

latchkey_store::on_both_backends!(an_id_token_from_a_real_provider_is_exchanged_for_the_native_client_only,);

async fn an_id_token_from_a_real_provider_is_exchanged_for_the_native_client_only(server: TestServer) {
    let extra = [("UPSTREAM_NATIVE_CLIENT_ID", NATIVE_CLIENT_ID)];
    let Some(upstream) = Upstream::start(&server, "real", &extra).await else { return };
    // The provider's tokens carry the real time.
    server.clock.set(latchkey_core::clock::Clock::now(&latchkey_core::clock::SystemClock));
    // `real` lists the app's client id; `strict` knows only Latchkey's own client there.
    for (name, native) in [("real", &[NATIVE_CLIENT_ID][..]), ("strict", &[][..])] {
        register(&server, name, &upstream.issuer, "latchkey", Linking::Never, native).await;
    }
    let app = native_app(&server).await;

    let n = nonce(&server).await;
    let id_token = sign_in_as_native_app(&upstream.issuer, &n).await;
    assert_eq!(payload(&id_token)["aud"], NATIVE_CLIENT_ID);
    let refused = exchange(&server, &app, "strict", &id_token, ID_TOKEN_TYPE, Some(&n)).await;
    let body = assert_oauth_error(refused, 400, "invalid_request").await;
    assert!(body["error_description"].as_str().unwrap().contains("another client (aud)"), "{body}");
    assert!(server.store.list_users().await.unwrap().is_empty(), "no user created");

    let n = nonce(&server).await;
    let id_token = sign_in_as_native_app(&upstream.issuer, &n).await;
    let response = exchange(&server, &app, "real", &id_token, ID_TOKEN_TYPE, Some(&n)).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = payload(body["access_token"].as_str().unwrap());
    assert_eq!(claims["idp"], "real");
    let identity = server.store.federated_identity("real", "upstream-user-1").await.unwrap().unwrap();
    assert_eq!(claims["sub"], identity.user_id);
    let user = server.store.user_by_id(&identity.user_id).await.unwrap().unwrap();
    assert_eq!(user.email.as_deref(), Some("alice@example.com"));
}
