//! TLS in the binary (`--tls-cert`, `--tls-key`): the password grant over HTTPS with a
//! self-signed certificate made by the test; plain HTTP to the TLS port and a client that never
//! starts its handshake are dropped without holding the server (one connection slot here).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{Env, ServerProcess, PASSWORD};

/// A self-signed certificate for `localhost` and 127.0.0.1, written as PEM files into `dir`:
/// (certificate path, key path, certificate PEM).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf, String) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let rcgen::CertifiedKey { cert, key_pair } = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    (cert_path, key_path, cert.pem())
}

/// A client that trusts `pem` only and keeps no idle connection (which would hold the slot).
pub fn https_client(pem: &str) -> reqwest::Client {
    let certificate = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(certificate)
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[test]
fn https_serves_the_password_grant_and_drops_what_is_not_tls() {
    let env = Env::sqlite();
    let app = env.alice_and_app();
    let (cert, key, pem) = self_signed(env.dir.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--max-connections",
        "1",
        "--header-read-timeout",
        "1s",
    ];
    let server = ServerProcess::spawn(env.command(&args)).unwrap();
    assert!(server.base.starts_with("https://") && server.issuer.starts_with("https://"), "{}", server.base);
    let https = https_client(&pem);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let form =
            [("grant_type", "password"), ("client_id", &app), ("username", "alice"), ("password", PASSWORD)];
        let response = https.post(server.url("/token")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let tokens: serde_json::Value = response.json().await.unwrap();
        assert!(tokens["access_token"].is_string());

        // Plain HTTP to the TLS port fails at its first bytes, at once.
        let started = Instant::now();
        let plain = reqwest::Client::new().get(server.url("/jwks.json").replacen("https", "http", 1)).send();
        assert!(plain.await.is_err(), "plain HTTP gets no HTTP answer");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(
            https.get(server.url("/jwks.json")).send().await.unwrap().status(),
            200,
            "slot free again"
        );

        // A client that connects and never starts its handshake holds the one slot for the
        // header timeout only.
        let address = server.base.trim_start_matches("https://").to_owned();
        let _silent = tokio::net::TcpStream::connect(&address).await.unwrap();
        let started = Instant::now();
        assert_eq!(https.get(server.url("/jwks.json")).send().await.unwrap().status(), 200);
        let waited = started.elapsed();
        assert!(
            (Duration::from_millis(500)..Duration::from_secs(4)).contains(&waited),
            "the handshake timeout (1 s) freed the slot: {waited:?}"
        );
    });
}
