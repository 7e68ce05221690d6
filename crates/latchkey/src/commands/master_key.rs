//! `latchkey master-key generate`: a new master key to give every process of a deployment
//! (as `LATCHKEY_MASTER_KEY` or a key file), made before the first start.

use latchkey_crypto::MasterKey;

/// Prints a new random master key on standard output, and nothing else, so it can be piped
/// into a secret store or a file.
pub fn generate() -> anyhow::Result<()> {
    let key = MasterKey::generate()?;
    println!("{}", *key.to_base64());
    Ok(())
}
