//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0 §2.4, §2.5): when a session of
//! a client with a `backchannel_logout_uri` ends, a receiver that records what it gets is sent
//! one logout token, with the claims the spec requires; an unreachable receiver is retried and
//! gets it exactly once when it comes up; one that keeps failing is given up, audited.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Router};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_crypto::verify_jwt;
use latchkey_server::backchannel_logout::MAX_ATTEMPTS;
use latchkey_server::tokens::logout_token::BACKCHANNEL_LOGOUT_EVENT;
use latchkey_store::on_both_backends;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::testkit::TestServer;

on_both_backends!(
    revoking_a_refresh_token_sends_one_logout_token_with_the_spec_claims,
    refresh_reuse_sends_a_logout_token,
    an_unreachable_receiver_gets_the_token_exactly_once_when_it_comes_up,
    a_receiver_that_keeps_failing_is_given_up_with_an_audit_event,
);

pub type Received = Arc<Mutex<Vec<String>>>;

/// Serves a receiver on `listener` that records every `logout_token` and answers 200.
pub fn serve_receiver(listener: TcpListener) -> Received {
    let received: Received = Arc::default();
    let record = |State(received): State<Received>, Form(form): Form<Vec<(String, String)>>| async move {
        let token = form.into_iter().find(|(k, _)| k == "logout_token").map(|(_, v)| v).unwrap_or_default();
        received.lock().unwrap().push(token);
    };
    let router = Router::new().route("/backchannel", post(record)).with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    received
}

/// A client whose receiver is at `addr` (requiring `sid` in logout tokens when
/// `session_required`), and alice signed in to it with the password grant.
pub async fn client_with_receiver(
    server: &TestServer,
    addr: std::net::SocketAddr,
    session_required: bool,
) -> (String, Value) {
    server.add_user("alice", &["customer"]).await;
    let (app, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::Password, GrantType::RefreshToken],
            "profile",
            |c| {
                c.backchannel_logout_uri = Some(format!("http://{addr}/backchannel"));
                c.backchannel_logout_session_required = session_required;
            },
        )
        .await;
    let login = server.login_alice(&app).await;
    (app, login)
}

/// Waits up to 5 s for `n` tokens.
pub async fn wait_for(received: &Received, n: usize) -> Vec<String> {
    for _ in 0..50 {
        if received.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    received.lock().unwrap().clone()
}

async fn revoking_a_refresh_token_sends_one_logout_token_with_the_spec_claims(server: TestServer) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app, login) = client_with_receiver(&server, listener.local_addr().unwrap(), false).await;
    let received = serve_receiver(listener);
    let refresh = login["refresh_token"].as_str().unwrap();
    let form = [("client_id", app.as_str()), ("token", refresh), ("token_type_hint", "refresh_token")];
    assert_eq!(server.post_form("/revoke", &form).await.status(), 200);

    let tokens = wait_for(&received, 1).await;
    assert_eq!(tokens.len(), 1, "one logout token");
    let verified =
        verify_jwt::<Value>(&tokens[0], &server.jwks().await).expect("signed with a published key");
    assert_eq!(verified.header.typ.as_deref(), Some("logout+jwt"));
    let claims = verified.claims;
    assert_eq!(claims["iss"], server.issuer.as_str());
    assert_eq!(claims["aud"], app.as_str());
    let access = verify_jwt::<Value>(login["access_token"].as_str().unwrap(), &server.jwks().await).unwrap();
    assert_eq!(claims["sub"], access.claims["sub"]);
    assert_eq!(claims["events"][BACKCHANNEL_LOGOUT_EVENT], serde_json::json!({}));
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert!(exp > iat && exp - iat <= 120, "short-lived");
    assert!(claims.get("nonce").is_none(), "never a nonce");
    assert!(claims.get("sid").is_none(), "no browser session, and the client does not require a sid");

    // Revoking it again ends nothing more: no second token.
    assert_eq!(server.post_form("/revoke", &form).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(received.lock().unwrap().len(), 1);
}

async fn refresh_reuse_sends_a_logout_token(server: TestServer) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app, login) = client_with_receiver(&server, listener.local_addr().unwrap(), false).await;
    let received = serve_receiver(listener);
    let first = login["refresh_token"].as_str().unwrap();
    assert_eq!(server.refresh(&app, first).await.status(), 200);
    server.clock.advance(3600);
    assert_eq!(server.refresh(&app, first).await.status(), 400, "reuse detected");
    assert_eq!(wait_for(&received, 1).await.len(), 1);
}

async fn an_unreachable_receiver_gets_the_token_exactly_once_when_it_comes_up(server: TestServer) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (app, login) = client_with_receiver(&server, addr, false).await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let form = [("client_id", app.as_str()), ("token", refresh), ("token_type_hint", "refresh_token")];
    assert_eq!(server.post_form("/revoke", &form).await.status(), 200, "not held up by the receiver");
    tokio::time::sleep(Duration::from_millis(2500)).await; // at least one failed attempt

    let received = serve_receiver(TcpListener::bind(addr).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(received.lock().unwrap().is_empty(), "the retry waits for its back-off");
    server.clock.advance(600);
    assert_eq!(wait_for(&received, 1).await.len(), 1, "delivered once it came up");
    server.clock.advance(600);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "exactly once");
}

/// A receiver that always fails: attempt after attempt (each after its back-off), then given
/// up with an audit event, and no more attempts.
async fn a_receiver_that_keeps_failing_is_given_up_with_an_audit_event(server: TestServer) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (app, login) = client_with_receiver(&server, listener.local_addr().unwrap(), false).await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let failing = post(move || async move {
        counter.fetch_add(1, Ordering::SeqCst);
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    });
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/backchannel", failing)).await.unwrap()
    });
    let refresh = login["refresh_token"].as_str().unwrap();
    let form = [("client_id", app.as_str()), ("token", refresh), ("token_type_hint", "refresh_token")];
    assert_eq!(server.post_form("/revoke", &form).await.status(), 200);

    let given_up = || async {
        let events = server.store.audit_events(None, 100).await.unwrap();
        events.iter().any(|e| e.kind == "backchannel_logout_failed" && e.client_id.as_deref() == Some(&app))
    };
    for _ in 0..200 {
        if given_up().await {
            break;
        }
        server.clock.advance(300); // past any back-off
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(given_up().await, "given up with an audit event");
    assert_eq!(attempts.load(Ordering::SeqCst), MAX_ATTEMPTS as usize);
    server.clock.advance(3600);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(attempts.load(Ordering::SeqCst), MAX_ATTEMPTS as usize, "no attempt after giving up");
}
