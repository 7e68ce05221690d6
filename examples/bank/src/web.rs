//! The bank's web front end: one plain HTML page and its script and style (no build step, no
//! external assets), served with the bank's API under `/api` behind the embedded
//! Backend-for-Frontend (`latchkey-bff`). The browser signs in through Latchkey's hosted page
//! and holds only the BFF's HttpOnly cookie; [`latchkey_bff::BffLayer`] turns it into the
//! bearer token the API's guard verifies, so the API itself is unchanged.
//!
//! The page's Content-Security-Policy allows only this origin's own script and style: an
//! injected `<script>` does not run.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use latchkey_bff::Bff;
use latchkey_guard::Guard;

use crate::{router, Ledger, StepUpPolicy};

const INDEX: &str = include_str!("../web/index.html");
const SCRIPT: &str = include_str!("../web/app.js");
const STYLE: &str = include_str!("../web/app.css");

/// Where the API lives for the page; the BFF guards this prefix.
pub const API_PREFIX: &str = "/api";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The page, the API under [`API_PREFIX`] and the BFF's routes, behind the BFF's layer.
/// `bff` must list [`API_PREFIX`] in its `embedded_prefixes`.
pub fn app(ledger: Ledger, guard: &Guard, step_up: StepUpPolicy, bff: &Bff) -> Router {
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX) }))
        .route("/app.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/app.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .nest(API_PREFIX, router(ledger, guard, step_up))
        .merge(bff.router())
        .layer(bff.layer())
}
