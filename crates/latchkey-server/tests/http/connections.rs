//! No connection can hold the server, from the attacker's side over raw TCP: slow headers,
//! slow bodies and silent connections are closed by their timeouts, the connection cap keeps
//! the server within its descriptors, and a body declared too large is refused before it is
//! sent. The limits do not depend on the backend, so these run on SQLite only.

use std::time::{Duration, Instant};

use futures::future::join_all;
use latchkey_server::Config;
use latchkey_store::testing::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::testkit::{test_config, TestServer};

/// Longer than any limit under test: a connection still open after it was never closed.
const PATIENCE: Duration = Duration::from_secs(8);

async fn server(config: Config) -> TestServer {
    TestServer::start_on(TestDatabase::sqlite(), None, config).await
}

/// Reads until the server closes the connection or `PATIENCE` runs out; returns what was read
/// and when the connection closed (`None`: still open).
async fn read_until_closed(stream: &mut TcpStream) -> (String, Option<Instant>) {
    let mut read = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => read.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .ok();
    (String::from_utf8_lossy(&read).into_owned(), closed)
}

/// Sends a request line and then one header line every 200 ms, never ending the header;
/// returns how long the server kept the connection open.
async fn slowloris(addr: std::net::SocketAddr) -> Option<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"POST /token HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    while started.elapsed() < PATIENCE {
        if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
            return Some(started.elapsed());
        }
        let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await;
        if let Ok(Ok(0) | Err(_)) = read {
            return Some(started.elapsed());
        }
    }
    None
}

#[tokio::test]
async fn fifty_slowloris_connections_are_closed_by_the_header_timeout() {
    let config = Config { header_read_timeout: Duration::from_secs(1), ..test_config() };
    let server = server(config).await;
    let held = join_all((0..50).map(|_| slowloris(server.latchkey.addr))).await;
    for (i, held) in held.into_iter().enumerate() {
        let held = held.unwrap_or_else(|| panic!("slowloris connection {i} still open after {PATIENCE:?}"));
        assert!(held < Duration::from_secs(4), "connection {i} held for {held:?}");
    }
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_refused() {
    let config = Config { body_read_timeout: Duration::from_secs(1), ..test_config() };
    let server = server(config).await;
    let mut stream = TcpStream::connect(server.latchkey.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
        )
        .await
        .unwrap();
    let (response, closed) = read_until_closed(&mut stream).await;
    assert!(closed.is_some(), "the connection stayed open; read {response:?}");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(4), "answered after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_silent_connection_is_closed_by_the_idle_timeout() {
    let config = Config { idle_timeout: Duration::from_secs(1), ..test_config() };
    let server = server(config).await;
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.latchkey.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut stream).await;
    let closed = closed.expect("a connection that never sent a byte is still open");
    assert!(closed - started < Duration::from_secs(4), "closed after {:?}", closed - started);
}

/// With the cap at 4, four silent connections hold every slot: a fifth request waits in the
/// listen queue instead of being served, and is served as soon as they go.
#[tokio::test]
async fn connections_beyond_the_cap_wait_until_a_slot_is_free() {
    let config = Config { max_connections: Some(4), ..test_config() };
    let server = server(config).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(server.latchkey.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // the server has accepted them
    let waiting = server.http.get(server.url("/healthz")).timeout(Duration::from_millis(700)).send().await;
    assert!(waiting.is_err(), "a fifth connection was served: {waiting:?}");

    let pending = tokio::spawn({
        let (http, url) = (server.http.clone(), server.url("/healthz"));
        async move { http.get(url).timeout(PATIENCE).send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!pending.is_finished(), "served while the slots were held");
    drop(idle);
    let served = pending.await.unwrap().expect("served once the slots were free");
    assert_eq!(served.status(), 200);
}

/// RFC 9110 §15.5.14: a body declared larger than the limit is refused on its header, before
/// the client sends any of it.
#[tokio::test]
async fn a_declared_oversized_body_is_413_before_it_is_sent() {
    let server = server(test_config()).await;
    let mut stream = TcpStream::connect(server.latchkey.addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n",
        )
        .await
        .unwrap();
    let (response, _) = read_until_closed(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(started.elapsed() < Duration::from_secs(2), "answered after {:?}", started.elapsed());
}

/// `/metrics` is for operators: not on the public listener, only on `metrics_listen`.
#[tokio::test]
async fn metrics_are_served_on_the_metrics_listener_only() {
    let server = server(test_config()).await;
    let public = server.http.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    let metrics = server.http.get(server.latchkey.metrics_url().unwrap()).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("latchkey_refresh_total"));

    let without = server_without_metrics().await;
    assert!(without.latchkey.metrics_url().is_none());
    assert_eq!(without.http.get(without.url("/metrics")).send().await.unwrap().status(), 404);
}

async fn server_without_metrics() -> TestServer {
    server(Config { metrics_listen: None, ..test_config() }).await
}
