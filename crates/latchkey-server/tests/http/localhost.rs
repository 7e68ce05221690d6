//! A server whose issuer is `http://localhost:<port>`, for what needs a domain rather than an
//! IP address (WebAuthn's relying party id): a small TCP relay listens at that port (on IPv4
//! and, where it can, IPv6, since `localhost` is both) and forwards every connection to the
//! server, which listens on `127.0.0.1` like every test server. The relay runs until the
//! test's runtime ends.

use std::net::SocketAddr;

use latchkey_store::testing::TestDatabase;
use tokio::net::{TcpListener, TcpStream};

use crate::testkit::{test_config, TestServer};

fn relay(listener: TcpListener, target: SocketAddr) {
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

/// A server with the test configuration on `db`, its issuer (and `server.base`)
/// `http://localhost:<port>`.
pub async fn server_at_localhost(db: TestDatabase) -> TestServer {
    let front = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = front.local_addr().unwrap().port();
    let issuer = format!("http://localhost:{port}");
    let config = latchkey_server::Config { issuer: Some(issuer.clone()), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    assert_eq!(server.issuer, issuer);
    relay(front, server.latchkey.addr);
    if let Ok(front_v6) = TcpListener::bind(("::1", port)).await {
        relay(front_v6, server.latchkey.addr);
    }
    server
}
