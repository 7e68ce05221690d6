//! Latchkey's storage: narrow traits per capability ([`UserStore`], [`ClientStore`],
//! [`SessionStore`], [`KeyStore`], [`AuditStore`], [`RevocationStore`],
//! [`AuthorizationCodeStore`], [`BrowserSessionStore`], [`ConsentStore`], [`ThrottleStore`], and
//! [`Transactional`] for units of work) combined into one object-safe [`Store`],
//! and one implementation of them, [`SqlStore`], for SQLite and PostgreSQL.
//!
//! # One implementation, two backends
//!
//! [`SqlStore`] runs over `sqlx::AnyPool`, so every query is written once for both databases.
//! This works because the SQL Latchkey needs is the common subset: `$1..$n` placeholders
//! (PostgreSQL's own; sqlx's SQLite driver binds `$N` by number too), `INSERT`, single-row
//! `UPDATE ... RETURNING` (SQLite >= 3.35), scalar subqueries, `CASE`, `LIMIT`. Backend
//! differences are confined to two places:
//!
//! - the migrations, `migrations/sqlite/` and `migrations/postgres/`, run by one of two
//!   `sqlx::migrate!` migrators chosen by backend (type names differ: `BLOB`/`BYTEA`,
//!   `AUTOINCREMENT`/`BIGSERIAL`);
//! - connection setup in [`SqlStore::connect`] (SQLite pragmas and its single writer
//!   connection, pool sizes).
//!
//! A PostgreSQL-only statement was planned for the rotation, the one place where round trips
//! matter (a data-modifying CTE joining `users`, since SQLite cannot return the columns of an
//! `UPDATE ... FROM` join). Scalar subqueries in `RETURNING` do the same in one statement on
//! both backends, so no backend-specific SQL was needed at all.
//!
//! The alternative, a `SqliteStore` and a `PgStore`, doubles every query and lets the two
//! drift; the conformance suite (`tests/conformance.rs`) runs each case on both backends so
//! that they cannot.
//!
//! # Constraints of the Any driver, and the conventions that follow
//!
//! The Any driver decodes only a few types portably, so the schema uses `BIGINT` (never
//! `INTEGER`/`INT4` in PostgreSQL: the driver would not decode it as `i64`), `TEXT` and
//! `BLOB`/`BYTEA`. Booleans are `BIGINT` 0/1; lists (roles, scopes, grant types) are JSON
//! arrays in `TEXT`; times are `i64` Unix seconds passed in by the caller: the store never
//! reads the clock.
//!
//! # Concurrency and durability
//!
//! Every operation is a single statement; none is read-then-write. On SQLite that matters: a
//! deferred transaction that reads and then writes can fail with `SQLITE_BUSY` without waiting
//! for the busy timeout, whereas a single writing statement takes the write lock first and
//! waits. Writes that must commit together go through a [`UnitOfWork`]: writes only, in a
//! transaction that on SQLite begins `IMMEDIATE` (takes the write lock first, too). SQLite runs in WAL mode with `synchronous=FULL`: a refresh that returned 200 survives
//! a crash. Its writes go through one dedicated connection, so that the writers of one process
//! queue in the pool rather than sleep in SQLite's busy handler; readers have their own pool.
//!
//! On PostgreSQL a rotation is one round trip: one statement, prepared once per connection
//! and cached, and no ping before use (sqlx's default) except for connections that sat idle
//! for 10 s or through an outage this store noticed.
//!
//! # Errors
//!
//! [`StoreError::Unavailable`] means "try again" (the server answers 503): connection refused
//! or lost, pool timeout, PostgreSQL shutting down, SQLite still busy after 5 s.
//! [`StoreError::Conflict`] is a unique violation, naming what conflicted.

mod account_traits;
mod admin_pages;
mod backchannel_logout;
mod client_model;
mod client_traits;
mod error;
mod federation;
mod linked_identities;
mod model;
mod native_exchange;
mod passkeys;
mod second_factors;
mod sign_in;
mod sql;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod traits;
mod unit_of_work;

pub use account_traits::{AccountToken, AccountTokenStore, EmailChange, OutboxMail, OutboxStore};
pub use admin_pages::{AdminPageStore, SessionFilter};
pub use backchannel_logout::{BackchannelLogout, BackchannelLogoutStore};
pub use client_model::{Client, ClientSignup, NewClient};
pub use client_traits::ClientStore;
pub use error::{Backend, StoreError};
pub use federation::{
    FederatedIdentity, FederationFlow, FederationStore, UpstreamProviderRecord, UpstreamTokenRecord,
};
pub use latchkey_core::client::ClientKind;
pub use latchkey_core::grant::GrantType;
pub use linked_identities::{LinkedIdentityStore, Unlinked};
pub use model::{
    AccountLockout, AuditEvent, AuditFilter, AuthorizationCode, BrowserSession, NewAuthorizationCode,
    NewSession, NewUser, PoolUsage, Revocation, RevocationKind, Session, SessionWithUser, SignInMethod,
    SigningKeyRecord, ThrottleCount, User, UserProfile, UserUpdate,
};
pub use native_exchange::NativeExchangeStore;
pub use passkeys::{Ceremony, CeremonyPurpose, PasskeyRecord, PasskeyStore};
pub use second_factors::{SecondFactorStore, TotpFactor};
pub use sql::SqlStore;
pub use traits::{
    AuditStore, AuthorizationCodeStore, BrowserSessionStore, ConsentStore, DpopProofStore, InstanceStore,
    KeyStore, LockoutStore, RevocationStore, SessionStore, Store, ThrottleStore, UptimeStore, UserStore,
};
pub use unit_of_work::{Transactional, UnitOfWork};
