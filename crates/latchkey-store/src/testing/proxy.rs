//! A TCP proxy in front of PostgreSQL whose link can be cut (every connection dropped, new
//! ones refused), blackholed (connections stay open but nothing gets through, as when a
//! firewall silently drops a link) and restored on the same port: a database outage as the
//! application sees it, for the store's and the server's recovery tests.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::TestDatabase;

pub struct CuttableProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// While set, bytes are read from both sides and dropped.
    blackholed: Arc<AtomicBool>,
}

impl CuttableProxy {
    /// A proxy to the PostgreSQL server of `db`, and `db`'s URL rewritten to go through it.
    pub async fn in_front_of(db: &TestDatabase) -> io::Result<(Self, String)> {
        let (upstream, rewrite) = split_pg_url(&db.url)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = Self {
            addr: listener.local_addr()?,
            upstream,
            tasks: Arc::default(),
            blackholed: Arc::default(),
        };
        proxy.serve(listener);
        let url = rewrite(proxy.addr.port());
        Ok((proxy, url))
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks, blackholed) = (self.upstream, self.tasks.clone(), self.blackholed.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let blackholed = blackholed.clone();
                let link = tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(upstream).await {
                        let (from_client, to_client) = inbound.into_split();
                        let (from_server, to_server) = outbound.into_split();
                        tokio::join!(
                            forward(from_client, to_server, &blackholed),
                            forward(from_server, to_client, &blackholed)
                        );
                    }
                });
                if let Ok(mut tasks) = tasks.lock() {
                    tasks.push(link);
                }
            }
        });
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(accept);
        }
    }

    /// Drops every connection and stops listening.
    pub async fn cut(&self) {
        let tasks: Vec<_> = match self.tasks.lock() {
            Ok(mut tasks) => tasks.drain(..).collect(),
            Err(_) => Vec::new(),
        };
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }

    /// Keeps every connection open (and accepts new ones) but lets nothing through; end it
    /// with [`CuttableProxy::cut`] and [`CuttableProxy::restore`].
    pub fn blackhole(&self) {
        self.blackholed.store(true, Ordering::SeqCst);
    }

    /// Listens again on the same port, letting traffic through.
    pub async fn restore(&self) -> io::Result<()> {
        self.blackholed.store(false, Ordering::SeqCst);
        self.serve(TcpListener::bind(self.addr).await?);
        Ok(())
    }
}

/// Copies `from` to `to` until either side closes, dropping what arrives while blackholed.
async fn forward(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, blackholed: &AtomicBool) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if blackholed.load(Ordering::SeqCst) {
            continue;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// `postgres://user@host:port/db?...` -> the upstream address, and a function writing the
/// same URL with `127.0.0.1:<port>` as its authority.
fn split_pg_url(url: &str) -> io::Result<(SocketAddr, impl Fn(u16) -> String)> {
    let invalid = || io::Error::new(io::ErrorKind::InvalidInput, "not a postgres:// URL with a host");
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (format!("{userinfo}@"), host_port),
        None => (String::new(), authority),
    };
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let host = if host == "localhost" { "127.0.0.1" } else { host };
    let upstream = format!("{host}:{port}").parse().map_err(|_| invalid())?;
    let (scheme, path) = (scheme.to_owned(), path.to_owned());
    Ok((upstream, move |port: u16| format!("{scheme}://{userinfo}127.0.0.1:{port}{path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_rewritten_to_the_proxy() {
        let (upstream, rewrite) = split_pg_url("postgres://postgres@localhost:5433/test?options=x").unwrap();
        assert_eq!(upstream, "127.0.0.1:5433".parse().unwrap());
        assert_eq!(rewrite(9), "postgres://postgres@127.0.0.1:9/test?options=x");
        assert!(split_pg_url("not a url").is_err());
    }
}
