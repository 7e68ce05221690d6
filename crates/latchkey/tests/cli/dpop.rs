//! DPoP state shared by real server processes on one database (RFC 9449 §11.1, §8): the same
//! proof sent to two processes at once is accepted by exactly one, and a nonce issued by one
//! process is valid at the other.

use std::time::{SystemTime, UNIX_EPOCH};

use latchkey_crypto::Algorithm;
use latchkey_server::testing::DpopProver;
use latchkey_store::on_both_backends;
use serde_json::Value;

use crate::{Env, ServerProcess, SHARED_ISSUER};

on_both_backends!(
    blocking;
    one_proof_sent_to_two_processes_at_once_is_accepted_once,
    a_nonce_from_one_process_works_at_the_other,
);

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// A confidential client-credentials client; `extra` flags for `clients add`.
fn service(env: &Env, extra: &[&str]) -> (String, String) {
    let args = [
        &["clients", "add", "svc", "--type", "confidential", "--grant", "client_credentials", "--json"],
        extra,
    ]
    .concat();
    let client = env.run_ok_json(&args, "");
    (client["client_id"].as_str().unwrap().to_owned(), client["client_secret"].as_str().unwrap().to_owned())
}

async fn token(
    http: &reqwest::Client,
    server: &ServerProcess,
    client: &(String, String),
    proof: &str,
) -> reqwest::Response {
    let request =
        http.post(server.url("/token")).basic_auth(&client.0, Some(&client.1)).header("dpop", proof);
    request.form(&[("grant_type", "client_credentials")]).send().await.unwrap()
}

fn one_proof_sent_to_two_processes_at_once_is_accepted_once(env: Env) {
    let client = service(&env, &["--dpop", "required"]);
    let listed = env.run_ok_json(&["clients", "list", "--json"], "");
    assert_eq!(
        (listed[0]["dpop"].as_str(), listed[0]["dpop_nonce"].as_bool()),
        (Some("required"), Some(false))
    );
    let a = ServerProcess::start(&env, &[]);
    let b = ServerProcess::start(&env, &[]);
    let prover = DpopProver::new(Algorithm::ES256);
    let htu = format!("{SHARED_ISSUER}/token");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        for _ in 0..5 {
            let proof = prover.proof("POST", &htu, now(), None);
            let (at_a, at_b) =
                tokio::join!(token(&http, &a, &client, &proof), token(&http, &b, &client, &proof));
            let mut statuses = [at_a.status().as_u16(), at_b.status().as_u16()];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 400], "exactly one process accepts the proof");
        }
    });
}

fn a_nonce_from_one_process_works_at_the_other(env: Env) {
    let client = service(&env, &["--dpop-nonce"]);
    let a = ServerProcess::start(&env, &[]);
    let b = ServerProcess::start(&env, &[]);
    let prover = DpopProver::new(Algorithm::EdDSA);
    let htu = format!("{SHARED_ISSUER}/token");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let asked = token(&http, &a, &client, &prover.proof("POST", &htu, now(), None)).await;
        assert_eq!(asked.status(), 400);
        let nonce = asked.headers()["dpop-nonce"].to_str().unwrap().to_owned();
        let body: Value = asked.json().await.unwrap();
        assert_eq!(body["error"], "use_dpop_nonce");

        let mut claims = prover.claims("POST", &htu, now(), None);
        claims["nonce"] = nonce.into();
        let answered = token(&http, &b, &client, &prover.sign(&prover.header(), &claims)).await;
        assert_eq!(answered.status(), 200, "process B accepts process A's nonce");
        assert_eq!(answered.json::<Value>().await.unwrap()["token_type"], "DPoP");
    });
}
