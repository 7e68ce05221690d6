//! Password hashing on a few dedicated threads, one per core, off the async runtime.
//!
//! Argon2id is deliberately slow (tens of milliseconds) and fills 19 MiB per hash (RFC 9106
//! §3.1, OWASP parameters). Run on the async workers it would stall every other request; run
//! on tokio's blocking pool, a login flood spread the hashes over many threads, each of which
//! kept its 19 MiB in its allocator arena afterwards (329 MB after 64 concurrent logins). So
//! the hashing has threads of its own, as many as there are cores: queued work waits in a
//! channel, not on the CPU, and each thread reuses one Argon2 work area while work is queued
//! and gives it back as soon as its queue is empty (docs/architecture.md, "Password hashing
//! pool"). The dummy verify for unknown users costs the same as a real one, so response time
//! does not reveal which usernames exist.

use anyhow::Context;
use latchkey_crypto::{Argon2Memory, PasswordCheck, PasswordHasher};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// Work for a hashing thread: it gets the hasher and the thread's Argon2 work area.
type Job = Box<dyn FnOnce(&PasswordHasher, &mut Argon2Memory) + Send>;

/// A bounded pool for password work. Clones share the threads, which end with the last clone.
#[derive(Clone)]
pub struct PasswordPool {
    jobs: flume::Sender<Job>,
}

impl PasswordPool {
    /// Starts one hashing thread per core available to the process.
    pub fn new(hasher: PasswordHasher) -> Self {
        let threads = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        let (jobs, queue) = flume::unbounded::<Job>();
        for n in 0..threads {
            let (hasher, queue) = (hasher.clone(), queue.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("latchkey-argon2-{n}"))
                .spawn(move || hashing_thread(&hasher, &queue));
            if let Err(e) = spawned {
                // With no thread at all, every call below answers with an error instead.
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self { jobs }
    }

    async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&PasswordHasher, &mut Argon2Memory) -> T + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |hasher, memory| {
            let _ = answer.send(work(hasher, memory));
        });
        self.jobs.send(job).ok().context("the password pool has no threads")?;
        answered.await.context("the password task failed").map_err(ApiError::from)
    }

    /// Verifies `password` against a stored hash.
    pub async fn verify(&self, password: String, stored_hash: String) -> Result<PasswordCheck, ApiError> {
        self.run(move |hasher, memory| hasher.verify_in(&password, &stored_hash, memory)).await
    }

    /// Burns the time of a verify, for a user that does not exist or may not log in.
    pub async fn dummy_verify(&self, password: String) -> Result<(), ApiError> {
        self.run(move |hasher, memory| hasher.dummy_verify_in(&password, memory)).await
    }

    /// Hashes a new password with Argon2id.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |hasher, memory| hasher.hash_in(&password, memory)).await?.map_err(ApiError::from)
    }
}

/// Runs queued jobs in one reused work area, released whenever the queue is empty.
fn hashing_thread(hasher: &PasswordHasher, queue: &flume::Receiver<Job>) {
    let mut memory = Argon2Memory::default();
    loop {
        let job = match queue.try_recv() {
            Ok(job) => job,
            Err(flume::TryRecvError::Empty) => {
                memory.release();
                match queue.recv() {
                    Ok(job) => job,
                    Err(flume::RecvError::Disconnected) => return,
                }
            }
            Err(flume::TryRecvError::Disconnected) => return,
        };
        job(hasher, &mut memory);
    }
}
