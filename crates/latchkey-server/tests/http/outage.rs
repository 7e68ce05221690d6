//! A database outage answers 503 and the server recovers by itself when the database
//! returns. PostgreSQL only: the server reaches it through a TCP proxy the test cuts and
//! restores (an embedded SQLite file cannot go away the same way).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_store::testing::TestDatabase;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::testkit::{assert_oauth_error, test_config, TestServer, PASSWORD};

/// A TCP proxy whose link can be cut (every connection dropped, new ones refused) and
/// restored on the same port.
struct CuttableProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl CuttableProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self { addr: listener.local_addr().unwrap(), upstream, tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(link);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        self.serve(TcpListener::bind(self.addr).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_the_server_recovers() {
    let Some(db) = TestDatabase::postgres() else { return };
    let mut url = reqwest::Url::parse(&db.url).unwrap();
    let upstream: SocketAddr =
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432)).parse().unwrap();
    let proxy = CuttableProxy::start(upstream).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    let server = TestServer::start_on(db, Some(url.to_string()), test_config()).await;

    server.add_user("alice", &[]).await;
    let (client_id, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    assert_eq!(server.password_login(&client_id, "alice", PASSWORD).await.status(), 200);

    proxy.cut();
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let login = server.password_login(&client_id, "alice", PASSWORD).await;
    assert!(login.headers().get("retry-after").is_some());
    assert_oauth_error(login, 503, "temporarily_unavailable").await;
    assert_eq!(
        server.http.get(server.url("/healthz")).send().await.unwrap().status(),
        200,
        "alive while the database is down"
    );

    proxy.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if server.http.get(server.url("/readyz")).send().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness came back after the database did");
    assert_eq!(server.password_login(&client_id, "alice", PASSWORD).await.status(), 200);
}
