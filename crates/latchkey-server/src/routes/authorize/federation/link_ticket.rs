//! `GET /federation/{name}/open-link?ticket=…`: binds an account link to the browser that opens it
//! first (`docs/architecture.md`, "Federation"). The link is started by an API call, so the
//! URL it answers is not the provider's but this route, with a ticket naming the flow; the
//! first browser to open it gets the flow cookie (`crate::cookies`, as for a login) by one
//! compare-and-swap on the flow row (`bind_federation_flow`), and only then goes upstream.
//! The callback requires that cookie, so neither the leaked provider URL (its `state`) nor
//! the ticket opened in a second browser can complete the link with someone else's upstream
//! account: the second browser is refused, and the user who sees that starts again.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use latchkey_crypto::random;
use serde::{Deserialize, Serialize};

use super::super::error::AuthorizeError;
use super::super::redirect::redirect_to;
use super::start::hash;
use super::{failure, FLOW_TTL};
use crate::browser::{open_signed, seal_signed};
use crate::error::ApiError;
use crate::state::AppState;

const LABEL: &[u8] = b"latchkey account link ticket v1\0";

/// What the link URL carries, under a MAC: which flow, the browser hash it was created with
/// (the compare-and-swap's expected value), and where the browser goes next.
#[derive(Serialize, Deserialize)]
pub(super) struct LinkTicket {
    provider: String,
    state_hash: String,
    unbound_hash: String,
    upstream_url: String,
    exp: i64,
}

impl LinkTicket {
    /// The URL of this route for a new flow.
    pub(super) fn url(
        state: &AppState,
        provider: &str,
        state_hash: String,
        unbound_hash: String,
        upstream_url: String,
    ) -> Result<String, ApiError> {
        let exp = state.clock.now() + FLOW_TTL;
        let ticket = Self { provider: provider.to_owned(), state_hash, unbound_hash, upstream_url, exp };
        let sealed = seal_signed(&state.page_mac, LABEL, &ticket)?;
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("ticket", &sealed).finish();
        Ok(format!("{}?{query}", state.urls.federation_url(provider, "open-link")))
    }
}

#[derive(Deserialize)]
pub struct TicketQuery {
    #[serde(default)]
    ticket: String,
}

pub async fn open(
    State(state): State<AppState>,
    Path(name): Path<String>,
    query: Result<Query<TicketQuery>, QueryRejection>,
) -> Result<Response, AuthorizeError> {
    let now = state.clock.now();
    let sealed = query.map(|Query(q)| q.ticket).unwrap_or_default();
    let ticket = open_signed::<LinkTicket>(&state.page_mac, LABEL, &sealed)
        .filter(|ticket| ticket.exp > now && ticket.provider == name);
    let browser_secret = random::token(32)?;
    let bound = match &ticket {
        Some(t) => {
            state
                .store
                .bind_federation_flow(&t.state_hash, &t.unbound_hash, &hash(&browser_secret), now)
                .await?
        }
        None => false,
    };
    let Some(ticket) = ticket.filter(|_| bound) else {
        let message = "This link was already opened in another browser, was used, or has expired. \
                       Start again from the application.";
        return Err(failure(&state, &name, "link_not_bound", StatusCode::BAD_REQUEST, message.into()).await);
    };
    let mut response = redirect_to(&ticket.upstream_url, &[]);
    let cookie = state.cookies.set_cookie(state.cookies.federation_name, &browser_secret, FLOW_TTL);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
