//! The bank's HTTP API. Reads need `bank:read`, writes `bank:write`; every write needs an
//! `Idempotency-Key` header, and a retried write with the same key and body returns the
//! first answer without moving money again.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::{Json, Router};
use latchkey_guard::{Claims, Guard, RequireScope, ScopeName, SignIn};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::db::{self, Ledger, StoredResponse};
use crate::error::BankError;
use crate::money::Amount;
use crate::operations::{self, Actor, Operation};
use crate::step_up::StepUpPolicy;

pub struct BankRead;
impl ScopeName for BankRead {
    const NAME: &'static str = "bank:read";
}

pub struct BankWrite;
impl ScopeName for BankWrite {
    const NAME: &'static str = "bank:write";
}

/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 200;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The API, behind `guard` except for `/healthz`; large transfers need the sign-in `step_up`
/// asks for.
pub fn router(ledger: Ledger, guard: &Guard, step_up: StepUpPolicy) -> Router {
    Router::new()
        .route("/balance", get(balance))
        .route("/history", get(history))
        .route("/deposit", post(deposit))
        .route("/withdraw", post(withdraw))
        .route("/transfer", post(transfer))
        .route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }))
        .layer(Extension(std::sync::Arc::new(step_up)))
        .layer(guard.layer())
        .with_state(ledger)
}

fn username(claims: &Claims) -> &str {
    claims.preferred_username.as_deref().unwrap_or(&claims.sub)
}

async fn balance(
    State(ledger): State<Ledger>,
    claims: Claims,
    _: RequireScope<BankRead>,
) -> Result<Json<Value>, BankError> {
    ledger.ensure_account(&claims.sub, username(&claims), now()).await?;
    Ok(Json(json!({ "balance": ledger.balance(&claims.sub).await? })))
}

async fn history(
    State(ledger): State<Ledger>,
    claims: Claims,
    _: RequireScope<BankRead>,
) -> Result<Json<Value>, BankError> {
    Ok(Json(json!({ "transactions": ledger.history(&claims.sub, 100).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountBody {
    amount: Amount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    to: String,
    amount: Amount,
}

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, BankError> {
    body.map(|Json(b)| b).map_err(|e| BankError::BadRequest(e.body_text()))
}

async fn deposit(
    State(ledger): State<Ledger>,
    claims: Claims,
    _: RequireScope<BankWrite>,
    headers: HeaderMap,
    request: Result<Json<AmountBody>, JsonRejection>,
) -> Result<Response, BankError> {
    let operation = Operation::Deposit(body(request)?.amount);
    idempotent(&ledger, &claims, &headers, operation).await
}

async fn withdraw(
    State(ledger): State<Ledger>,
    claims: Claims,
    _: RequireScope<BankWrite>,
    headers: HeaderMap,
    request: Result<Json<AmountBody>, JsonRejection>,
) -> Result<Response, BankError> {
    let operation = Operation::Withdraw(body(request)?.amount);
    idempotent(&ledger, &claims, &headers, operation).await
}

async fn transfer(
    State(ledger): State<Ledger>,
    Extension(step_up): Extension<std::sync::Arc<StepUpPolicy>>,
    claims: Claims,
    sign_in: SignIn,
    _: RequireScope<BankWrite>,
    headers: HeaderMap,
    request: Result<Json<TransferBody>, JsonRejection>,
) -> Result<Response, BankError> {
    let TransferBody { to, amount } = body(request)?;
    step_up.check_transfer(amount, &sign_in)?;
    idempotent(&ledger, &claims, &headers, Operation::Transfer { to, amount }).await
}

fn idempotency_key(headers: &HeaderMap) -> Result<&str, BankError> {
    let key = headers
        .get("idempotency-key")
        .ok_or_else(|| {
            BankError::BadRequest(
                "writes need an Idempotency-Key header (any unique string per operation)".into(),
            )
        })?
        .to_str()
        .map_err(|_| BankError::BadRequest("the Idempotency-Key must be visible ASCII".into()))?;
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(BankError::BadRequest(format!(
            "the Idempotency-Key must have 1 to {MAX_KEY_LEN} characters"
        )));
    }
    Ok(key)
}

fn replay(stored: &StoredResponse, request: &str) -> Result<Response, BankError> {
    if stored.request != request {
        return Err(BankError::Unprocessable(
            "this Idempotency-Key was already used for a different request".into(),
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let body: Value = serde_json::from_str(&stored.body).map_err(|e| BankError::Internal(e.to_string()))?;
    Ok((status, [("idempotent-replayed", "true")], Json(body)).into_response())
}

/// Runs `operation` at most once per (user, key): the key is claimed, the money moved and
/// the answer recorded in one transaction. A failed operation rolls the claim back too
/// (nothing happened), so a retry is evaluated afresh; a request that finds the key taken
/// answers as the request that took it did.
async fn idempotent(
    ledger: &Ledger,
    claims: &Claims,
    headers: &HeaderMap,
    operation: Operation,
) -> Result<Response, BankError> {
    let key = idempotency_key(headers)?;
    let request = operation.canonical();
    let now = now();
    ledger.ensure_account(&claims.sub, username(claims), now).await?;
    let actor = Actor { user_id: &claims.sub, username: username(claims), key };

    let mut tx = ledger.begin().await?;
    if !db::claim_key(&mut tx, actor.user_id, key, &request, now).await? {
        return match db::stored_response(&mut tx, actor.user_id, key).await? {
            Some(stored) => replay(&stored, &request),
            None => Err(BankError::Conflict(
                "this Idempotency-Key is in use by a request in progress; retry".into(),
            )),
        };
    }
    let answer = operations::apply(&mut tx, &actor, &operation, now).await?;
    db::finish_key(&mut tx, actor.user_id, key, 200, &answer.to_string()).await?;
    tx.commit().await?;
    Ok(Json(answer).into_response())
}
