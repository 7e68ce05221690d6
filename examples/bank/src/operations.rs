//! The three kinds of money movement, each applied inside the caller's transaction.

use serde_json::{json, Value};

use crate::db::{self, Entry, Tx};
use crate::error::BankError;
use crate::money::Amount;

/// A write the API accepts.
#[derive(Debug, Clone)]
pub enum Operation {
    Deposit(Amount),
    Withdraw(Amount),
    Transfer { to: String, amount: Amount },
}

impl Operation {
    /// The operation written canonically, to recognise a retry of the same request.
    pub fn canonical(&self) -> String {
        match self {
            Self::Deposit(a) => format!("deposit {}", a.get()),
            Self::Withdraw(a) => format!("withdraw {}", a.get()),
            Self::Transfer { to, amount } => format!("transfer {} to {to}", amount.get()),
        }
    }
}

/// Who acts, and the idempotency key that names this request.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub key: &'a str,
}

fn entry(
    actor: &Actor<'_>,
    suffix: &str,
    kind: &str,
    amount: i64,
    counterparty: Option<&str>,
    balance_after: i64,
    now: i64,
) -> Entry {
    Entry {
        // Unique without randomness: (user, key) is unique and the suffix tells the lines of
        // one request apart.
        id: format!("{}:{}:{suffix}", actor.user_id, actor.key),
        kind: kind.to_owned(),
        amount,
        counterparty: counterparty.map(str::to_owned),
        balance_after,
        created_at: now,
    }
}

/// Applies `operation` for `actor`; returns the response body.
pub async fn apply(
    tx: &mut Tx,
    actor: &Actor<'_>,
    operation: &Operation,
    now: i64,
) -> Result<Value, BankError> {
    match operation {
        Operation::Deposit(amount) => {
            let balance = db::credit(tx, actor.user_id, *amount).await?;
            let line = entry(actor, "deposit", "deposit", amount.get(), None, balance, now);
            db::record(tx, actor.user_id, &line).await?;
            Ok(json!({ "balance": balance, "transaction": line }))
        }
        Operation::Withdraw(amount) => {
            let balance = db::debit(tx, actor.user_id, *amount).await?;
            let line = entry(actor, "withdrawal", "withdrawal", -amount.get(), None, balance, now);
            db::record(tx, actor.user_id, &line).await?;
            Ok(json!({ "balance": balance, "transaction": line }))
        }
        Operation::Transfer { to, amount } => {
            if to == actor.username {
                return Err(BankError::BadRequest("a transfer needs another user as recipient".into()));
            }
            let recipient = db::account_of(tx, to).await?.ok_or_else(|| {
                BankError::NotFound(format!("{to} has no account (they have not used the bank yet)"))
            })?;
            let balance = db::debit(tx, actor.user_id, *amount).await?;
            let recipient_balance = db::credit(tx, &recipient, *amount).await?;
            let out = entry(actor, "out", "transfer_out", -amount.get(), Some(to), balance, now);
            let incoming =
                entry(actor, "in", "transfer_in", amount.get(), Some(actor.username), recipient_balance, now);
            db::record(tx, actor.user_id, &out).await?;
            db::record(tx, &recipient, &incoming).await?;
            Ok(json!({ "balance": balance, "transaction": out }))
        }
    }
}
