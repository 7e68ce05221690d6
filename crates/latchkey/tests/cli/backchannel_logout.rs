//! Back-channel logout across three real `latchkey serve` processes on one database: every
//! process runs a delivery worker, yet each ended session reaches the client's receiver
//! exactly once (the outbox claim is a compare-and-swap; docs/architecture.md, "Back-channel
//! logout").

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Form, Router};
use futures::future::join_all;
use latchkey_crypto::{JwkSet, KeySet};
use latchkey_store::on_both_backends;
use serde_json::Value;

use crate::{Env, ServerProcess, PASSWORD};

on_both_backends!(blocking; three_processes_send_each_logout_token_once);

const SESSIONS: usize = 12;

type Received = Arc<Mutex<Vec<String>>>;

async fn record(State(received): State<Received>, Form(form): Form<Vec<(String, String)>>) {
    let token = form.into_iter().find(|(k, _)| k == "logout_token").map(|(_, v)| v).unwrap_or_default();
    received.lock().unwrap().push(token);
}

/// The `jti` of a logout token signed with a key of `keys`.
fn jti(token: &str, keys: &KeySet) -> String {
    let verified = latchkey_crypto::verify_jwt::<Value>(token, keys).expect("signed by the server");
    assert_eq!(verified.header.typ.as_deref(), Some("logout+jwt"));
    verified.claims["jti"].as_str().unwrap().to_owned()
}

fn three_processes_send_each_logout_token_once(env: Env) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let receiver = format!("http://{}/backchannel", listener.local_addr().unwrap());
    env.run_ok_json(&["users", "add", "alice", "--password-stdin", "--json"], &format!("{PASSWORD}\n"));
    let app = env.run_ok_json(
        &[
            "clients",
            "add",
            "app",
            "--type",
            "public",
            "--grant",
            "password,refresh_token",
            "--backchannel-logout-uri",
            &receiver,
            "--json",
        ],
        "",
    );
    let app = app["client_id"].as_str().unwrap().to_owned();
    let servers: Vec<ServerProcess> = (0..3).map(|_| ServerProcess::start(&env, &[])).collect();
    runtime.block_on(async {
        let received: Received = Arc::default();
        let router = Router::new().route("/backchannel", post(record)).with_state(received.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let http = reqwest::Client::new();
        let (http, app, servers) = (&http, app.as_str(), &servers);
        let ends = (0..SESSIONS).map(|i| async move {
            let server = &servers[i % 3];
            let form = [
                ("grant_type", "password"),
                ("client_id", app),
                ("username", "alice"),
                ("password", PASSWORD),
            ];
            let login: Value =
                http.post(server.url("/token")).form(&form).send().await.unwrap().json().await.unwrap();
            let refresh = login["refresh_token"].as_str().unwrap();
            let revoke = [("client_id", app), ("token", refresh), ("token_type_hint", "refresh_token")];
            http.post(servers[(i + 1) % 3].url("/revoke")).form(&revoke).send().await.unwrap().status()
        });
        assert!(join_all(ends).await.iter().all(|status| *status == 200));

        for _ in 0..100 {
            if received.lock().unwrap().len() >= SESSIONS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await; // every worker has had its rounds
        let tokens = received.lock().unwrap().clone();
        assert_eq!(tokens.len(), SESSIONS, "one token per ended session, none twice");
        let jwks: JwkSet = http.get(servers[0].url("/jwks.json")).send().await.unwrap().json().await.unwrap();
        let keys = KeySet::from_jwks(&jwks).0;
        assert_eq!(tokens.iter().map(|t| jti(t, &keys)).collect::<HashSet<_>>().len(), SESSIONS);
    });
}
