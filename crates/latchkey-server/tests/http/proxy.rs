//! A path-prefix reverse proxy, as a deployment puts in front of an issuer with a path:
//! `http://127.0.0.1:<port>/auth/...` is forwarded to the server with `/auth` stripped, and
//! the RFC 8414 §3.1 metadata path (`/.well-known/oauth-authorization-server/auth`) as it is;
//! anything else is a 404. Real HTTP on both sides; redirects and `Set-Cookie` pass through
//! untouched, so what the browser sees is exactly what the server printed.

use std::net::SocketAddr;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use reqwest::redirect::Policy;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use latchkey_store::testing::TestDatabase;

use crate::testkit::{test_config, TestServer};

/// The path the proxy serves the issuer under.
pub const PREFIX: &str = "/auth";

/// A running proxy; dropping it stops it.
pub struct PrefixProxy {
    task: JoinHandle<()>,
}

impl Drop for PrefixProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Upstream {
    addr: SocketAddr,
    http: reqwest::Client,
}

/// A server on `db` whose issuer is `http://127.0.0.1:<proxy port>/auth`, reached only through the
/// proxy; `server.base` and `server.issuer` are that URL.
pub async fn server_behind_prefix(db: TestDatabase) -> (TestServer, PrefixProxy) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}{PREFIX}", listener.local_addr().unwrap());
    let config = latchkey_server::Config { issuer: Some(issuer.clone()), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    assert_eq!(server.issuer, issuer);
    let upstream = Upstream {
        addr: server.latchkey.addr,
        http: reqwest::Client::builder().redirect(Policy::none()).build().unwrap(),
    };
    let router = Router::new().fallback(forward).with_state(upstream);
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (server, PrefixProxy { task })
}

/// The path to ask the server for, or `None` when the proxy does not serve `path`.
fn upstream_path(path: &str) -> Option<String> {
    if path == format!("/.well-known/oauth-authorization-server{PREFIX}") {
        return Some(path.to_owned());
    }
    match path.strip_prefix(PREFIX)? {
        "" => Some("/".to_owned()),
        rest if rest.starts_with('/') => Some(rest.to_owned()),
        _ => None,
    }
}

/// Hop-by-hop and framing headers, which each side of the proxy sets for itself.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    for name in [header::HOST, header::CONNECTION, header::TRANSFER_ENCODING, header::CONTENT_LENGTH] {
        headers.remove(name);
    }
    headers
}

async fn forward(State(upstream): State<Upstream>, request: Request) -> Response {
    let Some(path) = upstream_path(request.uri().path()) else {
        return (StatusCode::NOT_FOUND, "not behind this proxy").into_response();
    };
    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("http://{}{path}{query}", upstream.addr);
    let method = request.method().clone();
    let headers = end_to_end(request.headers());
    let body = to_bytes(request.into_body(), usize::MAX).await.unwrap();
    let answer = upstream.http.request(method, url).headers(headers).body(body).send().await.unwrap();
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    let body = answer.bytes().await.unwrap();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
