//! One test, run once per backend: [`on_both_backends!`](crate::on_both_backends) and the
//! [`Fixture`] trait it builds each test's argument with.
//!
//! Every crate's tests use this one macro; what differs between crates is only the fixture
//! (a database, an in-process server, a data directory for the CLI, the bank with its
//! ledger), which each crate defines by implementing [`Fixture`].

use std::future::Future;

use super::TestDatabase;
use crate::Backend;

/// What a test on both backends receives, built from a fresh database of the backend under
/// test (which it keeps alive for as long as it needs it).
pub trait Fixture: Sized {
    fn on(db: TestDatabase) -> impl Future<Output = Self>;
}

/// The database itself, for the store's own tests.
impl Fixture for TestDatabase {
    async fn on(db: TestDatabase) -> Self {
        db
    }
}

/// A runtime like `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`'s: two
/// workers, so that tests of concurrency run concurrently.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the test runtime")
}

/// Runs the async `test` on a fixture over a fresh `backend` database, or skips it (see
/// [`TestDatabase::of`]).
pub fn run<F: Fixture, T: Future<Output = ()>>(backend: Backend, test: impl FnOnce(F) -> T) {
    let Some(db) = TestDatabase::of(backend) else { return };
    runtime().block_on(async { test(F::on(db).await).await });
}

/// Runs the blocking `test` (one that makes its own runtimes, if any) on a fixture over a
/// fresh `backend` database, or skips it. The fixture is built on a runtime that is kept
/// alive, outside of which the test runs.
pub fn run_blocking<F: Fixture>(backend: Backend, test: impl FnOnce(F)) {
    let Some(db) = TestDatabase::of(backend) else { return };
    let runtime = runtime();
    let fixture = runtime.block_on(F::on(db));
    test(fixture);
    drop(runtime);
}

/// Expands each listed test fn into two tests, `<name>::sqlite` and `<name>::postgres`.
///
/// Each fn takes one argument, a [`Fixture`](crate::testing::Fixture) (its type picks the
/// fixture), and is `async` unless the list starts with `blocking;`:
///
/// ```ignore
/// latchkey_store::on_both_backends!(users_crud, clients_round_trip);
/// latchkey_store::on_both_backends!(blocking; serve_prints_its_issuer);
/// ```
///
/// The PostgreSQL variant needs `LATCHKEY_TEST_POSTGRES_URL`: without it, it prints
/// `skipped: ...` and passes; with it, a database it cannot reach fails the test.
#[macro_export]
macro_rules! on_both_backends {
    (blocking; $($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@with run_blocking; $($name),*);
    };
    (@with $runner:ident; $($name:ident),*) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::testing::$runner($crate::Backend::Sqlite, super::$name);
            }
            #[test]
            fn postgres() {
                $crate::testing::$runner($crate::Backend::Postgres, super::$name);
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@with run; $($name),*);
    };
}
