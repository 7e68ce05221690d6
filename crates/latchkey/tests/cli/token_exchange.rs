//! The replay of a subject token across real server processes on one database
//! (`subject_token_replay`, RFC 8693 exchange): a Facebook access token exchanged at one
//! process is refused at the other, and of the same token sent to both at once, exactly one
//! exchange succeeds.

use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use latchkey_core::token_exchange::{ACCESS_TOKEN_TYPE, GRANT_TYPE};
use latchkey_server::federation::providers::{add_provider, SecretSealer};
use latchkey_server::instance::open_master_key;
use latchkey_store::{on_both_backends, SqlStore, Store, UserStore};

use crate::facebook_stand_in::{self, TOKEN};
use crate::{Env, ServerProcess};

on_both_backends!(
    blocking;
    a_subject_token_is_exchanged_once_across_processes,
);

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// Registers the Facebook stand-in as provider `facebook`, sealed under the instance's key.
async fn add_facebook(env: &Env, base: &str) {
    let store = SqlStore::connect(&env.database_url()).await.unwrap();
    let master = open_master_key(&store, None, &env.dir.path().join("data")).await.unwrap();
    let spec = facebook_stand_in::provider_spec(base);
    let sealer = SecretSealer::new(&master).unwrap();
    add_provider(&store as &dyn Store, &sealer, spec, now()).await.unwrap();
}

async fn exchange(http: &reqwest::Client, server: &ServerProcess, app: &str, ip: &str) -> u16 {
    let form = [
        ("grant_type", GRANT_TYPE),
        ("client_id", app),
        ("subject_token", TOKEN),
        ("subject_token_type", ACCESS_TOKEN_TYPE),
        ("provider", "facebook"),
    ];
    let request = http.post(server.url("/token")).header("x-forwarded-for", ip).form(&form);
    request.send().await.unwrap().status().as_u16()
}

fn a_subject_token_is_exchanged_once_across_processes(env: Env) {
    let app = env.run_ok_json(
        &[
            "clients",
            "add",
            "bank-ios",
            "--type",
            "public",
            "--grant",
            "token_exchange,refresh_token",
            "--json",
        ],
        "",
    )["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let base = facebook_stand_in::start(now()).await;
        add_facebook(&env, &base).await;
        let trusted = ["--trusted-proxies", "127.0.0.1/32"];
        let (a, b) = (ServerProcess::start(&env, &trusted), ServerProcess::start(&env, &trusted));
        let http = reqwest::Client::new();
        // Eight at once, half at each process: one exchange wins, the rest are replays.
        let attempts = (0..8).map(|i| {
            let (server, http, app) = (if i % 2 == 0 { &a } else { &b }, &http, app.as_str());
            async move { exchange(http, server, app, &format!("198.51.100.{i}")).await }
        });
        let statuses = join_all(attempts).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
        assert_eq!(exchange(&http, &b, &app, "198.51.100.20").await, 400, "still refused later");
        let store = SqlStore::connect(&env.database_url()).await.unwrap();
        assert_eq!(store.list_users().await.unwrap().len(), 1, "one user, created once");
    });
}
