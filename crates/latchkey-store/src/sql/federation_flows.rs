//! The outbound logins in flight (`federation_flows`): created at the start (an account link
//! bound to its browser later, once), consumed once by the callback's compare-and-swap,
//! purged by the janitor.

use sqlx::any::AnyRow;

use super::{col, SqlStore};
use crate::error::StoreError;
use crate::federation::FederationFlow;

macro_rules! flow_columns {
    () => {
        "state_hash, provider, nonce, pkce_verifier, interaction, browser_hash, created_at, expires_at, used_at"
    };
}

fn flow_from_row(row: &AnyRow) -> Result<FederationFlow, StoreError> {
    Ok(FederationFlow {
        state_hash: col(row, "state_hash")?,
        provider: col(row, "provider")?,
        nonce: col(row, "nonce")?,
        pkce_verifier: col(row, "pkce_verifier")?,
        interaction: col(row, "interaction")?,
        browser_hash: col(row, "browser_hash")?,
        created_at: col(row, "created_at")?,
        expires_at: col(row, "expires_at")?,
        used_at: col(row, "used_at")?,
    })
}

pub(super) async fn create(store: &SqlStore, flow: &FederationFlow) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "INSERT INTO federation_flows (",
        flow_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)"
    ))
    .bind(&flow.state_hash)
    .bind(&flow.provider)
    .bind(&flow.nonce)
    .bind(&flow.pkce_verifier)
    .bind(&flow.interaction)
    .bind(&flow.browser_hash)
    .bind(flow.created_at)
    .bind(flow.expires_at)
    .execute(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "federation flow".into()))?;
    Ok(())
}

pub(super) async fn consume(
    store: &SqlStore,
    state_hash: &str,
    now: i64,
) -> Result<Option<FederationFlow>, StoreError> {
    sqlx::query(concat!(
        "UPDATE federation_flows SET used_at = $2 ",
        "WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ",
        flow_columns!()
    ))
    .bind(state_hash)
    .bind(now)
    .fetch_optional(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "federation flow".into()))?
    .as_ref()
    .map(flow_from_row)
    .transpose()
}

pub(super) async fn bind(
    store: &SqlStore,
    state_hash: &str,
    unbound_hash: &str,
    browser_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE federation_flows SET browser_hash = $3 \
         WHERE state_hash = $1 AND browser_hash = $2 AND used_at IS NULL AND expires_at > $4",
    )
    .bind(state_hash)
    .bind(unbound_hash)
    .bind(browser_hash)
    .bind(now)
    .execute(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "federation flow".into()))?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn get(store: &SqlStore, state_hash: &str) -> Result<Option<FederationFlow>, StoreError> {
    sqlx::query(concat!("SELECT ", flow_columns!(), " FROM federation_flows WHERE state_hash = $1"))
        .bind(state_hash)
        .fetch_optional(&store.reader)
        .await
        .map_err(|e| store.fail(e, || "federation flow".into()))?
        .as_ref()
        .map(flow_from_row)
        .transpose()
}

pub(super) async fn delete_expired(store: &SqlStore, cutoff: i64, limit: i64) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM federation_flows WHERE state_hash IN (\
         SELECT state_hash FROM federation_flows WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind(cutoff)
    .bind(limit.max(0))
    .execute(&store.writer)
    .await
    .map_err(|e| store.fail(e, || "federation flows".into()))?;
    Ok(done.rows_affected())
}
