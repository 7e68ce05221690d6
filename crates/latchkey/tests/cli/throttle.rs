//! The sign-in throttle across real server processes on one database: a failure seen by one
//! process counts for the other, and 100 concurrent wrong passwords spread over two
//! processes leave the account's counter at exactly 100. The opt-in permanent lockout counts
//! across processes too, and `latchkey users unlock` lifts it.

use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use latchkey_server::throttle::ACCOUNT_IP_FREE_FAILURES;
use latchkey_store::{on_both_backends, SqlStore, ThrottleStore};

use crate::{Env, ServerProcess, PASSWORD};

on_both_backends!(
    blocking;
    two_processes_count_each_failure_once,
    lockout_counts_across_processes_until_the_cli_unlocks,
);

/// Both processes see the client address through a trusted proxy, so that the attempts
/// come from many addresses and no per-IP limit interferes.
const TRUSTED: &[&str] = &["--trusted-proxies", "127.0.0.1/32"];

async fn attempt(
    http: &reqwest::Client,
    server: &ServerProcess,
    app: &str,
    client_ip: &str,
    password: &str,
) -> u16 {
    let form =
        [("grant_type", "password"), ("client_id", app), ("username", "alice"), ("password", password)];
    let request = http.post(server.url("/token")).header("x-forwarded-for", client_ip).form(&form);
    request.send().await.unwrap().status().as_u16()
}

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

fn two_processes_count_each_failure_once(env: Env) {
    let app = env.alice_and_app();
    let a = ServerProcess::start(&env, TRUSTED);
    let b = ServerProcess::start(&env, TRUSTED);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let store = SqlStore::connect(&env.database_url()).await.unwrap();

        // From one address, alternating processes: each sees only some of the failures, the
        // pair (account, IP) waits once they add up. Two failures past the free ones make the
        // wait 4 s, so the real clock of the processes cannot run past it before the next try.
        for i in 0..ACCOUNT_IP_FREE_FAILURES + 2 {
            let server = if i % 2 == 0 { &a } else { &b };
            assert_eq!(attempt(&http, server, &app, "203.0.113.1", "guess").await, 400);
        }
        assert_eq!(attempt(&http, &a, &app, "203.0.113.1", PASSWORD).await, 400, "counted across processes");
        assert_eq!(
            attempt(&http, &b, &app, "203.0.113.2", PASSWORD).await,
            200,
            "another address is not slowed"
        );
        assert_eq!(
            store.throttle_counts(&["account:alice"], now()).await.unwrap(),
            vec![],
            "a success clears it"
        );

        // 100 concurrent wrong passwords from 100 addresses, half on each process.
        let (http, app) = (&http, app.as_str());
        let guesses = (0..100).map(|i| {
            let server = if i % 2 == 0 { &a } else { &b };
            let ip = format!("198.51.100.{i}");
            async move { attempt(http, server, app, &ip, "guess").await }
        });
        assert!(join_all(guesses).await.iter().all(|status| *status == 400));
        let counts = store.throttle_counts(&["account:alice"], now()).await.unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].failures, 100, "every failure counted exactly once");
    });
}

fn lockout_counts_across_processes_until_the_cli_unlocks(env: Env) {
    let app = env.alice_and_app();
    let args = ["--lockout-after-failures", "4", "--trusted-proxies", "127.0.0.1/32"];
    let a = ServerProcess::start(&env, &args);
    let b = ServerProcess::start(&env, &args);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    runtime.block_on(async {
        for i in 0..4 {
            let server = if i % 2 == 0 { &a } else { &b };
            assert_eq!(attempt(&http, server, &app, &format!("203.0.113.{i}"), "guess").await, 400);
        }
        for server in [&a, &b] {
            assert_eq!(attempt(&http, server, &app, "203.0.113.9", PASSWORD).await, 400, "locked everywhere");
        }
    });
    let output = env.run(&["users", "unlock", "alice"], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "unlocked alice");
    runtime.block_on(async {
        assert_eq!(attempt(&http, &b, &app, "203.0.113.9", PASSWORD).await, 200, "unlocked everywhere");
    });
}
