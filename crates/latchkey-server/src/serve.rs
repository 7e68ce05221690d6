//! Serving HTTP connections with limits, so that no client can hold the server.
//!
//! `axum::serve` has no timeouts and no connection cap: a client that sends half a header and
//! then a byte a minute keeps its connection (and a file descriptor) for ever, and enough idle
//! connections exhaust the descriptors until nobody can connect. Node's and Go's servers bound
//! both by default; we do the same with hyper directly:
//! - the header of a request must arrive within `header_read_timeout` (hyper's
//!   `header_read_timeout`, which also runs while a kept-alive HTTP/1.1 connection waits for
//!   its next request), its body within `body_read_timeout` of the header ([`deadline_body`]);
//! - a connection without traffic in either direction for `idle_timeout` is shut down
//!   gracefully (HTTP/2 has no header timeout; an in-flight request still finishes);
//! - at most `max_connections` are served at once: the next is accepted when one closes, and
//!   waits in the kernel's listen queue meanwhile. The cap stays below the process's
//!   open-file limit ([`descriptor_budget`]), so the database pool can always open its
//!   connections and the server can always accept once a slot is free.
//!
//! Each request carries `ConnectInfo<SocketAddr>`, as with axum's `serve`; shutdown stops
//! accepting, lets every connection finish its in-flight request, then returns. With TLS
//! ([`tls`]) the same limits hold; the handshake is bounded by `header_read_timeout`.

mod activity;
mod deadline_body;
pub mod tls;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::Config;
use activity::Activity;
use tls::TlsAcceptor;

/// Descriptors kept for everything but client connections: the database pool (at most 10
/// PostgreSQL or 5 SQLite connections), the listeners, the log and the SQLite files.
const RESERVED_DESCRIPTORS: u64 = 64;
/// The least cap [`descriptor_budget`] returns, even under a tiny limit.
const MIN_CONNECTIONS: usize = 16;
/// After an accept error (e.g. out of descriptors), wait this long before accepting again
/// instead of spinning.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// The limits every connection is served under (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The configured limits; the connection cap is the configured one or the descriptor
    /// budget, whichever is lower.
    pub fn from_config(config: &Config) -> Self {
        let budget = descriptor_budget();
        let max_connections = match config.max_connections {
            Some(wanted) if wanted > budget => {
                tracing::warn!(wanted, budget, "max_connections lowered to stay under the open-file limit");
                budget
            }
            Some(wanted) => wanted.max(1),
            None => budget,
        };
        Self {
            header_read_timeout: config.header_read_timeout,
            body_read_timeout: config.body_read_timeout,
            idle_timeout: config.idle_timeout,
            max_connections,
        }
    }
}

/// The open-file (soft) limit less [`RESERVED_DESCRIPTORS`]: how many client connections the
/// process can hold and still open its database connections.
fn descriptor_budget() -> usize {
    let (soft, _hard) = rlimit::Resource::NOFILE.get().unwrap_or((1024, 1024));
    let budget = usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
    budget.max(MIN_CONNECTIONS)
}

/// Serves `router` on `listener` under `limits` (over TLS when `tls` is given) until
/// `shutdown` resolves, then waits for the open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        match accepted {
            Ok((stream, peer, slot)) => {
                let connection =
                    Connection { peer, router: router.clone(), limits, stopping: stopping.clone() };
                tokio::spawn(connection.serve(stream, tls.clone(), slot));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it ends: all slots back means all connections done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// Waits for a free slot, then for a connection.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> io::Result<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let slot = slots.clone().acquire_owned().await.map_err(io::Error::other)?;
    let (stream, peer) = listener.accept().await?;
    Ok((stream, peer, slot))
}

/// One accepted connection and what serving it needs.
struct Connection {
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    /// Serves the connection (after the TLS handshake, when there is TLS), holding its slot.
    async fn serve(self, stream: TcpStream, tls: Option<TlsAcceptor>, _slot: OwnedSemaphorePermit) {
        let (stream, activity) = Activity::track(stream);
        let Some(tls) = tls else { return self.serve_http(stream, activity).await };
        match tokio::time::timeout(self.limits.header_read_timeout, tls.accept(stream)).await {
            Ok(Ok(stream)) => self.serve_http(stream, activity).await,
            Ok(Err(e)) => tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed"),
            Err(_elapsed) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
        }
    }

    async fn serve_http<S>(self, stream: S, activity: Activity)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Self { peer, router, limits, mut stopping } = self;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request =
                request.map(|body| deadline_body::limit(Body::new(body), limits.body_read_timeout));
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
        builder.http2().timer(TokioTimer::new());
        let mut connection =
            std::pin::pin!(builder.serve_connection_with_upgrades(TokioIo::new(stream), service));
        let mut closing = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = stopping.wait_for(|stop| *stop), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                () = activity.idle_for(limits.idle_timeout), if !closing => {
                    tracing::debug!(%peer, "closing an idle connection");
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// A second server (e.g. the metrics listener) running beside the main one.
pub struct Beside {
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<io::Result<()>>,
}

/// Serves `router` on `listener` in a task of its own until [`Beside::stop`].
pub fn spawn_beside(listener: TcpListener, router: Router, limits: ConnectionLimits) -> Beside {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve(listener, router, limits, None, async move {
        let _ = stopped.await;
    }));
    Beside { stop, served }
}

impl Beside {
    /// Stops accepting and waits for the open connections to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.served.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "a second listener failed"),
            Err(e) => tracing::warn!(error = %e, "a second listener stopped abnormally"),
            Ok(Ok(())) => {}
        }
    }
}
