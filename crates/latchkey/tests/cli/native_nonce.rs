//! `GET /native/nonce` throttled per client IP across real server processes on one database
//! (`docs/architecture.md`, "Native apps"): a flood from one address, spread over two
//! processes, is answered 429 with `Retry-After` once the address has used its free nonces
//! between them (not each), while another address still gets nonces.

use futures::future::join_all;
use latchkey_server::throttle::NATIVE_NONCE_FREE_REQUESTS;
use latchkey_store::on_both_backends;

use crate::{Env, ServerProcess};

on_both_backends!(
    blocking;
    a_nonce_flood_from_one_address_is_429_across_processes,
);

/// `GET /native/nonce` as `client_ip` (through the trusted proxy): status and `Retry-After`.
async fn fetch(http: &reqwest::Client, server: &ServerProcess, client_ip: &str) -> (u16, Option<String>) {
    let response =
        http.get(server.url("/native/nonce")).header("x-forwarded-for", client_ip).send().await.unwrap();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    if status == 429 {
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "an RFC 6749 error body: {body}");
    }
    (status, retry_after)
}

fn a_nonce_flood_from_one_address_is_429_across_processes(env: Env) {
    let trusted = ["--trusted-proxies", "127.0.0.1/32"];
    let (a, b) = (ServerProcess::start(&env, &trusted), ServerProcess::start(&env, &trusted));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        // One address, alternating processes: the free nonces are counted once between them.
        let mut served = 0;
        for i in 0..NATIVE_NONCE_FREE_REQUESTS {
            let server = if i % 2 == 0 { &a } else { &b };
            served += usize::from(fetch(&http, server, "203.0.113.7").await.0 == 200);
        }
        assert_eq!(served, NATIVE_NONCE_FREE_REQUESTS as usize, "the free ones are served");

        // More: refused until each wait (1 s, 2 s, 4 s: it doubles) runs out, then one is
        // served; after three more the address waits 8 s.
        let mut refused = 0;
        while served < NATIVE_NONCE_FREE_REQUESTS as usize + 3 {
            let server = if refused % 2 == 0 { &a } else { &b };
            match fetch(&http, server, "203.0.113.7").await.0 {
                200 => served += 1,
                _ => {
                    refused += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
            assert!(refused < 60, "the waits are 1, 2 and 4 s");
        }
        assert!(refused > 0, "the extra nonces waited");

        // A burst at both at once within those 8 s: every one refused, with Retry-After.
        let burst = (0..40).map(|i| {
            let (server, http) = (if i % 2 == 0 { &a } else { &b }, &http);
            async move { fetch(http, server, "203.0.113.7").await }
        });
        for (status, retry_after) in join_all(burst).await {
            assert_eq!(status, 429);
            assert!(retry_after.and_then(|s| s.parse::<u32>().ok()).is_some_and(|s| s >= 1));
        }

        // Both processes refuse the address now; another address is not slowed.
        assert_eq!(fetch(&http, &a, "203.0.113.7").await.0, 429);
        assert_eq!(fetch(&http, &b, "203.0.113.7").await.0, 429);
        assert_eq!(fetch(&http, &b, "198.51.100.9").await.0, 200);
    });
}
