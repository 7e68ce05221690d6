//! The bank's ledger over sqlx's Any driver: SQLite by default, PostgreSQL optional, with
//! the same SQL for both. Every write runs in one transaction with its idempotency record,
//! so a request either happens once, completely, or not at all.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::error::BankError;
use crate::money::{Amount, MAX_BALANCE};

/// The schema, written once: `BIGINT`/`TEXT` only, which both backends and the Any driver
/// share. Creating it is idempotent.
const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS accounts (
        user_id    TEXT   NOT NULL PRIMARY KEY,
        username   TEXT   NOT NULL,
        balance    BIGINT NOT NULL CHECK (balance >= 0),
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS accounts_username ON accounts (username)",
    "CREATE TABLE IF NOT EXISTS ledger (
        id            TEXT   NOT NULL PRIMARY KEY,
        user_id       TEXT   NOT NULL REFERENCES accounts (user_id),
        kind          TEXT   NOT NULL,
        amount        BIGINT NOT NULL,
        counterparty  TEXT,
        balance_after BIGINT NOT NULL,
        created_at    BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS idempotency (
        user_id      TEXT   NOT NULL,
        key          TEXT   NOT NULL,
        request      TEXT   NOT NULL,
        status       BIGINT NOT NULL,
        body         TEXT   NOT NULL,
        created_at   BIGINT NOT NULL,
        PRIMARY KEY (user_id, key)
    )",
];

/// One ledger line as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub id: String,
    pub kind: String,
    pub amount: i64,
    pub counterparty: Option<String>,
    pub balance_after: i64,
    pub created_at: i64,
}

#[derive(Clone)]
pub struct Ledger {
    pool: AnyPool,
}

pub type Tx = Transaction<'static, Any>;

impl Ledger {
    /// Opens (and creates) the database. SQLite gets a single connection, so transactions
    /// of this process never contend for its write lock.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let url = if sqlite && !url.contains("mode=") { format!("{url}?mode=rwc") } else { url.to_owned() };
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 10 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        sqlx::Executor::execute(
                            conn,
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await?;
        }
        Ok(Self { pool })
    }

    pub async fn begin(&self) -> Result<Tx, BankError> {
        Ok(self.pool.begin().await?)
    }

    /// Creates the user's account on first sight, keeping its username current.
    pub async fn ensure_account(&self, user_id: &str, username: &str, now: i64) -> Result<(), BankError> {
        sqlx::query(
            "INSERT INTO accounts (user_id, username, balance, created_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (user_id) DO UPDATE SET username = excluded.username",
        )
        .bind(user_id)
        .bind(username)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn balance(&self, user_id: &str) -> Result<i64, BankError> {
        let row = sqlx::query("SELECT balance FROM accounts WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>("balance")).transpose()?.unwrap_or(0))
    }

    pub async fn history(&self, user_id: &str, limit: i64) -> Result<Vec<Entry>, BankError> {
        let rows = sqlx::query(
            "SELECT id, kind, amount, counterparty, balance_after, created_at FROM ledger \
             WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }
}

fn entry_from_row(row: &AnyRow) -> Result<Entry, BankError> {
    Ok(Entry {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        amount: row.try_get("amount")?,
        counterparty: row.try_get("counterparty")?,
        balance_after: row.try_get("balance_after")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Adds `amount` to an account; refuses to pass [`MAX_BALANCE`]. Returns the new balance.
pub async fn credit(tx: &mut Tx, user_id: &str, amount: Amount) -> Result<i64, BankError> {
    let row = sqlx::query(
        "UPDATE accounts SET balance = balance + $2 WHERE user_id = $1 AND balance <= $3 - $2 RETURNING balance",
    )
    .bind(user_id)
    .bind(amount.get())
    .bind(MAX_BALANCE)
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => Ok(row.try_get("balance")?),
        None => Err(BankError::Conflict("the balance would exceed the maximum an account may hold".into())),
    }
}

/// Takes `amount` from an account, never below zero (the check and the update are one
/// statement, so concurrent withdrawals cannot overdraw). Returns the new balance.
pub async fn debit(tx: &mut Tx, user_id: &str, amount: Amount) -> Result<i64, BankError> {
    let row = sqlx::query(
        "UPDATE accounts SET balance = balance - $2 WHERE user_id = $1 AND balance >= $2 RETURNING balance",
    )
    .bind(user_id)
    .bind(amount.get())
    .fetch_optional(&mut **tx)
    .await?;
    match row {
        Some(row) => Ok(row.try_get("balance")?),
        None => Err(BankError::InsufficientFunds),
    }
}

/// The account id of `username`, if that user has an account.
pub async fn account_of(tx: &mut Tx, username: &str) -> Result<Option<String>, BankError> {
    let row = sqlx::query("SELECT user_id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|r| r.try_get("user_id")).transpose()?)
}

/// Appends a ledger line.
pub async fn record(tx: &mut Tx, user_id: &str, entry: &Entry) -> Result<(), BankError> {
    sqlx::query(
        "INSERT INTO ledger (id, user_id, kind, amount, counterparty, balance_after, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&entry.id)
    .bind(user_id)
    .bind(&entry.kind)
    .bind(entry.amount)
    .bind(&entry.counterparty)
    .bind(entry.balance_after)
    .bind(entry.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A stored answer to an earlier request with the same idempotency key.
pub struct StoredResponse {
    /// The request this key was first used for, canonically written.
    pub request: String,
    pub status: u16,
    pub body: String,
}

/// The stored answer for (user, key), if a request with that key has committed.
pub async fn stored_response(
    tx: &mut Tx,
    user_id: &str,
    key: &str,
) -> Result<Option<StoredResponse>, BankError> {
    let row = sqlx::query("SELECT request, status, body FROM idempotency WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok(StoredResponse {
            request: r.try_get("request")?,
            status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(500),
            body: r.try_get("body")?,
        })
    })
    .transpose()
}

/// Claims (user, key) for this transaction. `false` when another request already holds it:
/// on PostgreSQL the insert waits for a concurrent holder to commit or roll back, so two
/// racing requests with one key never both run.
pub async fn claim_key(
    tx: &mut Tx,
    user_id: &str,
    key: &str,
    request: &str,
    now: i64,
) -> Result<bool, BankError> {
    let done = sqlx::query(
        "INSERT INTO idempotency (user_id, key, request, status, body, created_at) \
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (user_id, key) DO NOTHING",
    )
    .bind(user_id)
    .bind(key)
    .bind(request)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the answer of the request that claimed (user, key).
pub async fn finish_key(
    tx: &mut Tx,
    user_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), BankError> {
    sqlx::query("UPDATE idempotency SET status = $3, body = $4 WHERE user_id = $1 AND key = $2")
        .bind(user_id)
        .bind(key)
        .bind(i64::from(status))
        .bind(body)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
