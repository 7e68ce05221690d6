//! Password hashing on a few dedicated threads, one per core, off the async runtime.
//!
//! Argon2id is deliberately slow (tens of milliseconds) and fills 19 MiB per hash (RFC 9106
//! §3.1, OWASP parameters). Run on the async workers it would stall every other request; run
//! on tokio's blocking pool, a login flood spread the hashes over many threads, each of which
//! kept its 19 MiB in its allocator arena afterwards (329 MB after 64 concurrent logins). So
//! the hashing has threads of its own, as many as the cores the process may run on
//! (`available_parallelism` counts the CPUs of the process's affinity mask and its cgroup
//! quota, so `taskset -c 0` gives one thread): queued work waits in a channel, not on the CPU,
//! and each thread reuses one Argon2 work area while work is queued and gives it back as soon
//! as its queue is empty (docs/architecture.md, "Password hashing pool"). The dummy verify for
//! unknown users costs the same as a real one, so response time does not reveal which
//! usernames exist.
//!
//! The hashing threads run [`NICE_BELOW_SERVER`] nice levels below the thread that started
//! the pool (Linux `setpriority` on the thread's id: nice is per thread there). A hashing
//! thread is always ready to run during a login flood, and at the same priority the kernel
//! shared each CPU evenly between it and the threads answering requests, so token refreshes
//! and JWKS slowed down with every login queued. Ten levels lower, the scheduler's weight table
//! (×1.25 per level) gives a hashing thread about a tenth of the CPU while request threads
//! want it, so refresh and JWKS keep most of their rate, and logins still progress under
//! token load (`SCHED_IDLE` would stop them whenever requests keep the CPU busy). With nothing
//! else to run a lower priority costs nothing: a quiet server hashes at full speed.

use anyhow::Context;
use latchkey_crypto::{Argon2Memory, PasswordCheck, PasswordHasher};
use tokio::sync::oneshot;

use crate::error::ApiError;

/// How many nice levels below the server the hashing threads run (module docs).
const NICE_BELOW_SERVER: i32 = 10;

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
    lower_priority();
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

/// Moves the calling thread [`NICE_BELOW_SERVER`] nice levels down (19 at most). Raising one's
/// own nice needs no privilege; should it fail anyway, hashing goes on at the server's priority.
#[cfg(target_os = "linux")]
fn lower_priority() {
    use rustix::process::{getpriority_process, setpriority_process};
    let this_thread = Some(rustix::thread::gettid());
    let lowered = getpriority_process(this_thread)
        .and_then(|nice| setpriority_process(this_thread, (nice + NICE_BELOW_SERVER).min(19)));
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "password hashing runs at the priority of request handling");
    }
}

/// Per-thread priorities are Linux's (POSIX nice is per process elsewhere).
#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use latchkey_crypto::{Argon2Params, PasswordHasher};

    use super::{PasswordPool, NICE_BELOW_SERVER};

    /// The nice value of a thread of this process, as the kernel reports it (proc(5):
    /// `/proc/<pid>/task/<tid>/stat`, field 19).
    fn nice_of(thread: &str) -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{thread}/stat")).ok()?;
        // Field 2, the command name, is in parentheses and may hold spaces: count after it.
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name.split_whitespace().nth(16)?.parse().ok()
    }

    #[tokio::test]
    async fn hashing_runs_below_the_priority_of_the_thread_that_started_the_pool() {
        let pool = PasswordPool::new(PasswordHasher::new(Argon2Params::default()).unwrap());
        let server = nice_of(&rustix::thread::gettid().as_raw_nonzero().to_string()).unwrap();
        let hashing = pool.run(|_, _| rustix::thread::gettid()).await.unwrap();
        let hashing = nice_of(&hashing.as_raw_nonzero().to_string()).unwrap();
        assert_eq!(hashing, (server + NICE_BELOW_SERVER).min(19), "server thread at nice {server}");
    }
}
