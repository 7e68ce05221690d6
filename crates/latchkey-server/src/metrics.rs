//! What an operator alerts on, served in the OpenMetrics / Prometheus text format at
//! `GET /metrics` on `metrics_listen` (never on the public listener), with the
//! `prometheus-client` crate:
//! - requests per route template, method and status, and their latency (histogram);
//! - tokens issued per grant and client;
//! - sign-in outcomes (success, bad credentials, throttled, rate limited);
//! - refresh outcomes and reuse detected by cause;
//! - database pool connections (in use, idle), and requests a database failure answered
//!   (`db_errors`, by backend, kind — `unavailable` for an outage's 503s, `failed` — and route).
//!
//! One registry per server (in its state, not global), so tests can run many servers.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use latchkey_core::refresh::ReuseCause;
use latchkey_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use crate::error::DatabaseFailure;
use crate::state::AppState;

// Label values that are known in advance are `&'static str` or numbers, so counting a
// request allocates only the route's name (docs/architecture.md, "Performance budgets").
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: Cow<'static, str>,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    grant_type: &'static str,
    client_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabels {
    cause: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DatabaseErrorLabels {
    backend: String,
    kind: String,
    route: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms .. ~8 s: a token request is a few ms, a password hash tens to hundreds.
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    tokens: Family<TokenLabels, Counter>,
    logins: Family<OutcomeLabels, Counter>,
    refresh: Family<OutcomeLabels, Counter>,
    reuse: Family<CauseLabels, Counter>,
    pool: Family<PoolLabels, Gauge<i64, AtomicI64>>,
    database_errors: Family<DatabaseErrorLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("latchkey");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Latency::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route and method",
            latency.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register("tokens_issued", "Token responses, by grant and client", tokens.clone());
        let logins = Family::<OutcomeLabels, Counter>::default();
        registry.register("logins", "Sign-in attempts, by outcome", logins.clone());
        let refresh = Family::<OutcomeLabels, Counter>::default();
        registry.register("refresh", "Refresh grants answered, by outcome", refresh.clone());
        let reuse = Family::<CauseLabels, Counter>::default();
        registry.register(
            "refresh_reuse",
            "Refresh-token reuse detected (session revoked), by cause",
            reuse.clone(),
        );
        let pool = Family::<PoolLabels, Gauge<i64, AtomicI64>>::default();
        registry.register("db_pool_connections", "Database connections, by pool and state", pool.clone());
        let database_errors = Family::<DatabaseErrorLabels, Counter>::default();
        registry.register(
            "db_errors",
            "Requests answered with an error because a database operation failed, by backend, kind and route",
            database_errors.clone(),
        );
        // Every reuse cause and refresh outcome is exported from the start, at 0.
        for cause in [ReuseCause::ReplayAfterWindow, ReuseCause::SuccessorAlreadyUsed] {
            drop(reuse.get_or_create(&CauseLabels { cause: cause.as_str().into() }));
        }
        for outcome in ["rotated", "duplicate"] {
            drop(refresh.get_or_create(&OutcomeLabels { outcome: outcome.into() }));
        }
        Self { registry, requests, latency, tokens, logins, refresh, reuse, pool, database_errors }
    }
}

fn inc(family: &Family<OutcomeLabels, Counter>, outcome: &str) {
    family.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
}

impl Metrics {
    pub fn record_reuse(&self, cause: ReuseCause) {
        self.reuse.get_or_create(&CauseLabels { cause: cause.as_str().into() }).inc();
    }

    pub fn record_rotation(&self) {
        inc(&self.refresh, "rotated");
    }

    pub fn record_duplicate(&self) {
        inc(&self.refresh, "duplicate");
    }

    /// A token response of `grant_type` to `client_id`.
    pub fn record_token(&self, grant_type: &'static str, client_id: &str) {
        let labels = TokenLabels { grant_type, client_id: client_id.into() };
        self.tokens.get_or_create(&labels).inc();
    }

    /// A sign-in attempt's outcome: `success`, `bad_credentials`, `throttled`, `rate_limited`.
    pub fn record_login(&self, outcome: &str) {
        inc(&self.logins, outcome);
    }

    /// The exposition, with the pools' current usage.
    pub fn render(&self, store: &dyn Store) -> String {
        for usage in store.pool_usage() {
            let busy = i64::from(usage.connections.saturating_sub(usage.idle));
            for (state, value) in [("in_use", busy), ("idle", i64::from(usage.idle))] {
                let labels = PoolLabels { pool: usage.pool.into(), state: state.into() };
                self.pool.get_or_create(&labels).set(value);
            }
        }
        let mut out = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        out
    }
}

/// The label of a request method: the standard ones (RFC 9110 §9) without allocating.
fn method_label(method: &Method) -> Cow<'static, str> {
    const STANDARD: [&str; 9] =
        ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"];
    match STANDARD.iter().find(|name| **name == method.as_str()) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(method.as_str().to_owned()),
    }
}

/// Wraps each route in [`Measured`] (`Router::layer`: the route template is known only
/// inside the router). No `axum::middleware::from_fn` (docs/architecture.md, "Performance
/// budgets").
#[derive(Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
    backend: &'static str,
}

impl MetricsLayer {
    pub fn new(state: &AppState) -> Self {
        Self { metrics: state.metrics.clone(), backend: state.store.backend().as_str() }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Measured { inner, metrics: self.metrics.clone(), backend: self.backend }
    }
}

/// Counts and times every request by its route template (`/admin/users/{id}`, not the ids
/// in it, so the series stay few); requests that matched no route count as `unmatched`.
#[derive(Clone)]
pub struct Measured<S> {
    inner: S,
    metrics: Arc<Metrics>,
    backend: &'static str,
}

impl<S> Service<Request> for Measured<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Measuring<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route =
            request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
        let method = method_label(request.method());
        let started = Instant::now();
        Measuring {
            inner: self.inner.call(request),
            metrics: self.metrics.clone(),
            backend: self.backend,
            labels: Some(RouteLabels { route, method }),
            started,
        }
    }
}

pin_project_lite::pin_project! {
    /// A route's answer; counted once it is ready.
    pub struct Measuring<F> {
        #[pin]
        inner: F,
        metrics: Arc<Metrics>,
        backend: &'static str,
        labels: Option<RouteLabels>,
        started: Instant,
    }
}

impl<F, E> Future for Measuring<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(labels)) = (&result, this.labels.take()) {
            count(this.metrics, this.backend, labels, *this.started, response);
        }
        Poll::Ready(result)
    }
}

/// Records an answered request: by status, its latency, and the database failure it carries.
fn count(metrics: &Metrics, backend: &str, labels: RouteLabels, started: Instant, response: &Response) {
    let status = response.status().as_u16();
    if let Some(DatabaseFailure(kind)) = response.extensions().get::<DatabaseFailure>() {
        let backend = backend.to_owned();
        let labels = DatabaseErrorLabels { backend, kind: (*kind).to_owned(), route: labels.route.clone() };
        metrics.database_errors.get_or_create(&labels).inc();
    }
    metrics.latency.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    let RouteLabels { route, method } = labels;
    metrics.requests.get_or_create(&RequestLabels { route, method, status }).inc();
}
