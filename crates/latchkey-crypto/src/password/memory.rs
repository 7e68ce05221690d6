//! Argon2's work area, kept by a hashing thread from one hash to the next.
//!
//! Argon2id fills `m` KiB of memory per hash (RFC 9106 §3.1: 19 MiB with our parameters).
//! Allocating it per hash leaves the freed block in the allocator arena of whichever thread
//! ran the hash, so a login burst over many threads grew the process by 19 MiB per thread
//! and kept it (docs/architecture.md, "Password hashing pool"). A dedicated hashing thread
//! instead keeps one [`Argon2Memory`] while it has work and [`Argon2Memory::release`]s it
//! when its queue is empty.

use argon2::Block;

/// Capacity in blocks (1 KiB each) of a fresh work area, at least. Above glibc's largest
/// dynamic mmap threshold (32 MiB), so the area is a mapping of its own that goes back to the
/// operating system when released, instead of staying in an arena; only the blocks a hash
/// uses are ever touched, so the rest costs address space, not memory.
const OWN_MAPPING_BLOCKS: usize = 33 * 1024;

/// Reusable memory for Argon2 hashes and verifications.
#[derive(Default)]
pub struct Argon2Memory {
    blocks: Vec<Block>,
}

impl Argon2Memory {
    /// `count` blocks, reusing the area when it is large enough.
    pub(crate) fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.release();
            let mut blocks = Vec::with_capacity(count.max(OWN_MAPPING_BLOCKS));
            blocks.resize(count, Block::default());
            self.blocks = blocks;
        }
        &mut self.blocks[..count]
    }

    /// Gives the memory back (to the operating system, for an area of its own mapping).
    pub fn release(&mut self) {
        self.blocks = Vec::new();
    }

    /// Bytes held now.
    pub fn held_bytes(&self) -> usize {
        self.blocks.capacity() * std::mem::size_of::<Block>()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Argon2Params, PasswordCheck, PasswordHasher};

    #[test]
    fn one_work_area_serves_consecutive_hashes_until_released() {
        let hasher =
            PasswordHasher::new(Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 }).unwrap();
        let mut memory = Argon2Memory::default();
        let hash = hasher.hash_in("pw", &mut memory).unwrap();
        let held = memory.held_bytes();
        assert!(held >= 256 * 1024, "the area holds the blocks of a hash: {held}");
        assert_eq!(hasher.verify_in("pw", &hash, &mut memory), PasswordCheck::Valid);
        assert_eq!(hasher.verify_in("px", &hash, &mut memory), PasswordCheck::Invalid);
        assert_eq!(memory.held_bytes(), held, "reused, not reallocated");
        memory.release();
        assert_eq!(memory.held_bytes(), 0);
        assert_eq!(hasher.verify_in("pw", &hash, &mut memory), PasswordCheck::Valid);
    }

    #[test]
    fn a_larger_stored_hash_grows_the_area() {
        let small =
            PasswordHasher::new(Argon2Params { memory_kib: 256, iterations: 1, parallelism: 1 }).unwrap();
        let large = Argon2Params { memory_kib: 40 * 1024, iterations: 1, parallelism: 1 };
        let mut memory = Argon2Memory::default();
        small.hash_in("pw", &mut memory).unwrap();
        let hash = PasswordHasher::new(large).unwrap().hash("pw").unwrap();
        assert_eq!(small.verify_in("pw", &hash, &mut memory), PasswordCheck::ValidNeedsRehash);
        assert!(memory.held_bytes() >= 40 * 1024 * 1024);
    }
}
