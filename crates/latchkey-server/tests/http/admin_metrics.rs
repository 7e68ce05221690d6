//! `GET /metrics` read by a real parser (the OpenMetrics parser of the `prometheus_client`
//! PyPI package, `interop/admin/requirements.txt`): what an operator alerts on is there, with
//! the values the requests made, and the database errors of an outage (PostgreSQL behind a
//! proxy the test cuts, as in `outage.rs`).

use std::process::Stdio;

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_store::testing::{skip_unless_required, CuttableProxy, TestDatabase};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::admin_kit::{admin_token, token_of};
use crate::testkit::{test_config, TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(metrics_parse_and_count_requests_tokens_logins_refreshes_and_pool);

const PARSE: &str = "import sys, json\n\
from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
print(json.dumps([{'name': s.name, 'labels': s.labels, 'value': s.value} \
for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]))";

/// The samples of the exposition, as the parser reads them; `None` when Python cannot run.
async fn parse(text: &str) -> Option<Vec<Value>> {
    let mut child = tokio::process::Command::new("python3")
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(text.as_bytes()).await.unwrap();
    let output = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("ModuleNotFoundError") {
        return None;
    }
    assert!(output.status.success(), "the parser refused the exposition: {stderr}\n{text}");
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

fn value(samples: &[Value], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .find(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][*k] == *v))
        .and_then(|s| s["value"].as_f64())
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
}

async fn metrics_parse_and_count_requests_tokens_logins_refreshes_and_pool(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let tokens = server.login_alice(&app).await;
    assert_eq!(server.password_login(&app, "alice", "not the password").await.status(), 400);
    assert_eq!(server.refresh(&app, tokens["refresh_token"].as_str().unwrap()).await.status(), 200);
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    token_of(&server, &(id.clone(), secret.unwrap())).await;
    let admin = admin_token(&server).await;
    let users = server.http.get(server.url("/admin/users")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(users.status(), 200);

    let url = server.latchkey.metrics_url().unwrap();
    let response = server.http.get(&url).send().await.unwrap();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    let Some(samples) = parse(&text).await else {
        return skip_unless_required("python3 has no prometheus_client; scripts/test.sh installs it");
    };
    let issued = "latchkey_tokens_issued_total";
    assert_eq!(value(&samples, issued, &[("grant_type", "password"), ("client_id", &app)]), 1.0);
    assert_eq!(value(&samples, issued, &[("grant_type", "refresh_token"), ("client_id", &app)]), 1.0);
    assert_eq!(value(&samples, issued, &[("grant_type", "client_credentials"), ("client_id", &id)]), 1.0);
    assert_eq!(value(&samples, "latchkey_logins_total", &[("outcome", "success")]), 1.0);
    assert_eq!(value(&samples, "latchkey_logins_total", &[("outcome", "bad_credentials")]), 1.0);
    assert_eq!(value(&samples, "latchkey_refresh_total", &[("outcome", "rotated")]), 1.0);
    assert_eq!(value(&samples, "latchkey_refresh_reuse_total", &[("cause", "replay_after_window")]), 0.0);
    let token_ok = [("route", "/token"), ("method", "POST"), ("status", "200")];
    assert_eq!(value(&samples, "latchkey_http_requests_total", &token_ok), 4.0);
    let token_bad = [("route", "/token"), ("method", "POST"), ("status", "400")];
    assert_eq!(value(&samples, "latchkey_http_requests_total", &token_bad), 1.0);
    let admin_route = [("route", "/admin/users"), ("method", "GET"), ("status", "200")];
    assert_eq!(
        value(&samples, "latchkey_http_requests_total", &admin_route),
        1.0,
        "route templates, not ids"
    );
    let timed = [("route", "/token"), ("method", "POST")];
    assert_eq!(value(&samples, "latchkey_http_request_duration_seconds_count", &timed), 5.0);
    assert!(value(&samples, "latchkey_http_request_duration_seconds_sum", &timed) > 0.0);
    let open = value(&samples, "latchkey_db_pool_connections", &[("pool", "writer"), ("state", "idle")])
        + value(&samples, "latchkey_db_pool_connections", &[("pool", "writer"), ("state", "in_use")]);
    assert!(open >= 1.0, "the writer pool has a connection: {open}");
}

/// While the database is cut off, every request that needed it is counted under its route
/// as `unavailable` on `postgres`; requests that did not need it are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_errors_are_counted_by_backend_kind_and_route() {
    let Some(db) = TestDatabase::postgres() else { return };
    let (proxy, url) = CuttableProxy::in_front_of(&db).await.unwrap();
    let server = TestServer::start_on(db, Some(url), test_config()).await;
    let app = server.with_app_and_alice().await;
    let admin = admin_token(&server).await;

    proxy.cut().await;
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 503);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 503);
    let users = server.http.get(server.url("/admin/users")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(users.status(), 503, "the admin API's problem details count too");
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), 200);

    let text = server.http.get(server.latchkey.metrics_url().unwrap()).send().await.unwrap();
    let Some(samples) = parse(&text.text().await.unwrap()).await else {
        return skip_unless_required("python3 has no prometheus_client; scripts/test.sh installs it");
    };
    let errors = "latchkey_db_errors_total";
    let on = |route| [("backend", "postgres"), ("kind", "unavailable"), ("route", route)];
    assert_eq!(value(&samples, errors, &on("/token")), 2.0);
    assert!(value(&samples, errors, &on("/admin/users")) >= 1.0);
    let unrelated = samples.iter().any(|s| s["name"] == errors && s["labels"]["route"] == "/healthz");
    assert!(!unrelated, "a request that did not touch the database is no database error");
    proxy.restore().await.unwrap();
}
