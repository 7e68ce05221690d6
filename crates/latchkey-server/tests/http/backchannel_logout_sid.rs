//! `backchannel_logout_session_required` (OpenID Connect Back-Channel Logout 1.0 §2.2, §2.4):
//! a client registered with it gets a `sid` in every logout token — the ID token's `sid` for
//! a session started in a browser, and for a session without one (the password grant) the
//! refresh session's id, the `sid` its access tokens carry; never a token without `sid`.

use latchkey_core::client::ClientKind;
use latchkey_crypto::verify_jwt;
use latchkey_store::on_both_backends;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::backchannel_logout::{client_with_receiver, serve_receiver, wait_for};
use crate::flow::{tokens_for_alice, Browser, Rp};
use crate::testkit::TestServer;

on_both_backends!(
    a_client_requiring_sid_gets_the_id_tokens_sid_for_a_browser_session,
    a_client_requiring_sid_gets_the_access_tokens_sid_for_a_session_without_a_browser,
);

/// Revokes `refresh_token` of `client_id` and returns the one logout token's claims.
async fn revoke_and_receive(
    server: &TestServer,
    client_id: &str,
    refresh_token: &str,
    listener: TcpListener,
) -> Value {
    let received = serve_receiver(listener);
    let form = [("client_id", client_id), ("token", refresh_token), ("token_type_hint", "refresh_token")];
    assert_eq!(server.post_form("/revoke", &form).await.status(), 200);
    let tokens = wait_for(&received, 1).await;
    assert_eq!(tokens.len(), 1, "one logout token");
    verify_jwt::<Value>(&tokens[0], &server.jwks().await).expect("signed with a published key").claims
}

async fn a_client_requiring_sid_gets_the_id_tokens_sid_for_a_browser_session(server: TestServer) {
    server.add_user("alice", &["customer"]).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}/backchannel", listener.local_addr().unwrap());
    let rp = Rp::register_with(&server, ClientKind::Public, "openid profile", |c| {
        c.backchannel_logout_uri = Some(receiver);
        c.backchannel_logout_session_required = true;
    })
    .await;
    let tokens =
        tokens_for_alice(&server, &mut Browser::new(&server), &rp, &[("scope", "openid profile")]).await;
    let id_token = verify_jwt::<Value>(tokens["id_token"].as_str().unwrap(), &server.jwks().await).unwrap();
    let id_token_sid = id_token.claims["sid"].as_str().expect("the ID token names its session").to_owned();

    let claims =
        revoke_and_receive(&server, &rp.client_id, tokens["refresh_token"].as_str().unwrap(), listener).await;
    assert_eq!(claims["sid"], id_token_sid.as_str(), "the session the RP knows from the ID token");
}

async fn a_client_requiring_sid_gets_the_access_tokens_sid_for_a_session_without_a_browser(
    server: TestServer,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app, login) = client_with_receiver(&server, listener.local_addr().unwrap(), true).await;
    let access = verify_jwt::<Value>(login["access_token"].as_str().unwrap(), &server.jwks().await).unwrap();
    let access_sid = access.claims["sid"].as_str().expect("the access token names its session").to_owned();

    let claims = revoke_and_receive(&server, &app, login["refresh_token"].as_str().unwrap(), listener).await;
    assert_eq!(claims["sid"], access_sid.as_str(), "a sid is present, and names only this session");
    assert_eq!(claims["sub"], access.claims["sub"]);
}
