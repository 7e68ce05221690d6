//! Refresh rotation across real server processes: two processes sharing one database
//! rotate exactly once under concurrent duplicates, and a SIGKILL in the middle of a refresh
//! load loses no session, nor does a retry after a restart longer than the reuse window.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use latchkey_store::{on_both_backends, SessionStore, SqlStore};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::{metric, Env, ServerProcess, PASSWORD};

on_both_backends!(
    blocking;
    two_processes_rotate_exactly_once_under_100_concurrent_refreshes,
    sigkill_during_refresh_load_loses_no_session,
    sessions_cli_lists_and_revokes_what_the_server_sees,
    a_retry_after_a_restart_longer_than_the_window_is_a_duplicate,
);

async fn login(http: &reqwest::Client, server: &ServerProcess, app: &str) -> Value {
    let form =
        [("grant_type", "password"), ("client_id", app), ("username", "alice"), ("password", PASSWORD)];
    let response = http.post(server.url("/token")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn refresh(
    http: &reqwest::Client,
    server: &ServerProcess,
    app: &str,
    token: &str,
) -> reqwest::Result<reqwest::Response> {
    let form = [("grant_type", "refresh_token"), ("client_id", app), ("refresh_token", token)];
    http.post(server.url("/token")).form(&form).send().await
}

async fn rotations(http: &reqwest::Client, server: &ServerProcess) -> u64 {
    let text = http
        .get(server.metrics_url.as_deref().expect("started with a metrics listener"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metric(&text, "latchkey_refresh_total{outcome=\"rotated\"}")
}

fn two_processes_rotate_exactly_once_under_100_concurrent_refreshes(env: Env) {
    let app = env.alice_and_app();
    let a = ServerProcess::start(&env, &[]);
    let b = ServerProcess::start(&env, &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let token = login(&http, &a, &app).await["refresh_token"].as_str().unwrap().to_owned();
        let requests = (0..100).map(|i| {
            let server = if i % 2 == 0 { &a } else { &b };
            refresh(&http, server, &app, &token)
        });
        let mut successors = Vec::new();
        for response in join_all(requests).await {
            let response = response.unwrap();
            assert_eq!(response.status(), 200, "no concurrent duplicate is treated as theft");
            let body: Value = response.json().await.unwrap();
            successors.push(body["refresh_token"].as_str().unwrap().to_owned());
        }
        successors.sort();
        successors.dedup();
        assert_eq!(successors.len(), 1, "all 100 got the same successor");
        assert_eq!(rotations(&http, &a).await + rotations(&http, &b).await, 1, "exactly one rotation");
        assert_eq!(refresh(&http, &b, &app, &successors[0]).await.unwrap().status(), 200);
    });
}

/// What a client knows about its session: the last refresh token it received.
struct Known {
    sid: String,
    latest: String,
}

fn sigkill_during_refresh_load_loses_no_session(env: Env) {
    let app = env.alice_and_app();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let mut server = ServerProcess::start(&env, &[]);
    let sessions: Vec<Arc<Mutex<Known>>> = runtime.block_on(async {
        let mut sessions = Vec::new();
        for _ in 0..8 {
            let body = login(&http, &server, &app).await;
            let claims =
                latchkey_crypto::decode_unverified(body["access_token"].as_str().unwrap()).unwrap().1;
            sessions.push(Arc::new(Mutex::new(Known {
                sid: claims["sid"].as_str().unwrap().to_owned(),
                latest: body["refresh_token"].as_str().unwrap().to_owned(),
            })));
        }
        sessions
    });

    // Each session refreshes in a loop, keeping the token of every 200 it receives, until the
    // server dies under it.
    let load = runtime.spawn({
        let (http, app, sessions, url) = (http.clone(), app.clone(), sessions.clone(), server.url("/token"));
        async move {
            let workers = sessions.into_iter().map(|known| {
                let (http, app, url) = (http.clone(), app.clone(), url.clone());
                async move {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while Instant::now() < deadline {
                        let token = known.lock().await.latest.clone();
                        let form = [
                            ("grant_type", "refresh_token"),
                            ("client_id", app.as_str()),
                            ("refresh_token", token.as_str()),
                        ];
                        let Ok(response) = http.post(&url).form(&form).send().await else { break };
                        assert_eq!(response.status(), 200);
                        let Ok(body) = response.json::<Value>().await else { break };
                        known.lock().await.latest = body["refresh_token"].as_str().unwrap().to_owned();
                    }
                }
            });
            join_all(workers).await;
        }
    });
    std::thread::sleep(Duration::from_millis(1500));
    server.signal("KILL");
    server.wait(Duration::from_secs(5));
    runtime.block_on(load).unwrap();

    let restarted = ServerProcess::start(&env, &[]);
    runtime.block_on(async {
        let store = SqlStore::connect(&env.database_url()).await.unwrap();
        for known in &sessions {
            let known = known.lock().await;
            let response = refresh(&http, &restarted, &app, &known.latest).await.unwrap();
            let status = response.status();
            if status == 200 {
                // When the kill hit after a rotation committed but before its answer arrived,
                // this was a duplicate within the reuse window: it answers with the successor
                // (and counts as no rotation). Using the answer must rotate, either way.
                let next =
                    response.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_owned();
                assert_eq!(refresh(&http, &restarted, &app, &next).await.unwrap().status(), 200);
            } else {
                let session =
                    store.session(&known.sid).await.unwrap().expect("the session row survived").session;
                assert!(
                    session.revoke_reason.is_some(),
                    "session {} neither works nor was revoked for a recorded cause",
                    known.sid
                );
            }
        }
        let rotated = rotations(&http, &restarted).await;
        assert!(rotated >= 1, "the surviving sessions still rotate");
    });
}

fn sessions_cli_lists_and_revokes_what_the_server_sees(env: Env) {
    let app = env.alice_and_app();
    let server = ServerProcess::start(&env, &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let (phone, laptop) =
        runtime.block_on(async { (login(&http, &server, &app).await, login(&http, &server, &app).await) });
    let listed = env.run_ok_json(&["sessions", "list", "--user", "alice", "--json"], "");
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{listed}");
    let phone_sid =
        latchkey_crypto::decode_unverified(phone["access_token"].as_str().unwrap()).unwrap().1["sid"].clone();
    let phone_sid = phone_sid.as_str().unwrap();
    assert!(ids.contains(&phone_sid));

    // For a person: a header, and times they can read (RFC 3339, UTC).
    let table = env.run(&["sessions", "list", "--user", "alice"], "");
    let text = String::from_utf8_lossy(&table.stdout);
    let mut rows = text.lines();
    let header = rows.next().unwrap();
    assert_eq!(header, "SESSION\tUSER\tCLIENT\tCREATED\tLAST USED\tEXPIRES\tIP\tUSER AGENT", "{text}");
    let row = rows.next().unwrap();
    for time in row.split('\t').skip(3).take(3) {
        assert!(humantime::parse_rfc3339(time).is_ok(), "{time:?} is not an RFC 3339 time in {row}");
    }

    let revoked = env.run(&["sessions", "revoke", phone_sid], "");
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    let status = |body: &Value| {
        let token = body["refresh_token"].as_str().unwrap().to_owned();
        runtime.block_on(async { refresh(&http, &server, &app, &token).await.unwrap().status().as_u16() })
    };
    assert_eq!(status(&phone), 400, "the revoked session's refresh token is dead");
    assert_eq!(env.run_ok_json(&["sessions", "list", "--json"], "").as_array().unwrap().len(), 1);

    assert!(env.run(&["sessions", "revoke", "--user", "alice"], "").status.success());
    assert_eq!(status(&laptop), 400, "every session of the user ended");
    assert!(!env.run(&["sessions", "revoke", "no-such-session"], "").status.success());
}

/// A rotation answered just before a SIGKILL and retried after a restart that took longer
/// than the reuse window: the time no process was up does not count, so the retry is a
/// duplicate (the same successor), not theft, and the session lives on.
fn a_retry_after_a_restart_longer_than_the_window_is_a_duplicate(env: Env) {
    let app = env.alice_and_app();
    let args = ["--refresh-reuse-window", "3s"];
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let mut first = ServerProcess::start(&env, &args);
    let (old, successor) = runtime.block_on(async {
        let old = login(&http, &first, &app).await["refresh_token"].as_str().unwrap().to_owned();
        let rotated = refresh(&http, &first, &app, &old).await.unwrap();
        assert_eq!(rotated.status(), 200);
        let rotated: Value = rotated.json().await.unwrap();
        (old, rotated["refresh_token"].as_str().unwrap().to_owned())
    });
    first.signal("KILL");
    first.wait(Duration::from_secs(5));
    let down = Duration::from_secs(u64::try_from(latchkey_server::uptime::DOWN_AFTER).unwrap() + 4);
    std::thread::sleep(down);

    let second = ServerProcess::start(&env, &args);
    runtime.block_on(async {
        let retried = refresh(&http, &second, &app, &old).await.unwrap();
        assert_eq!(retried.status(), 200, "a duplicate, not theft: {}", retried.text().await.unwrap());
        let retried: Value = retried.json().await.unwrap();
        assert_eq!(retried["refresh_token"], successor.as_str(), "the same successor");
        assert_eq!(refresh(&http, &second, &app, &successor).await.unwrap().status(), 200, "not revoked");
    });
}
