//! A TCP proxy in front of PostgreSQL whose link can be cut (every connection dropped, new
//! ones refused) and restored on the same port: a database outage as the application sees
//! it, for the store's and the server's recovery tests.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::TestDatabase;

pub struct CuttableProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl CuttableProxy {
    /// A proxy to the PostgreSQL server of `db`, and `db`'s URL rewritten to go through it.
    pub async fn in_front_of(db: &TestDatabase) -> io::Result<(Self, String)> {
        let (upstream, rewrite) = split_pg_url(&db.url)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = Self { addr: listener.local_addr()?, upstream, tasks: Arc::default() };
        proxy.serve(listener);
        let url = rewrite(proxy.addr.port());
        Ok((proxy, url))
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

    /// Listens again on the same port.
    pub async fn restore(&self) -> io::Result<()> {
        self.serve(TcpListener::bind(self.addr).await?);
        Ok(())
    }
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
