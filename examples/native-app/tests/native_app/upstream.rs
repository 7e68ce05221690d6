//! The provider for the native-app test: `e2e/upstream-provider.mjs` (a real OpenID Connect
//! provider) with the native client of `native_app.rs` (shared with Latchkey's own
//! token-exchange tests), registered at Latchkey.

use std::process::Stdio;

use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::federation_linking::Linking;
use latchkey_server::federation::providers::{add_provider, SecretSealer};
use latchkey_server::testing::TestLatchkey;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

#[path = "../../../../crates/latchkey-server/tests/federation_upstream/native_app.rs"]
mod native_app;
pub use native_app::sign_in_as_native_app;
use native_app::{oidc_provider_spec, NATIVE_CLIENT_ID};

/// Latchkey's client id at the provider (its secret is the spec's).
const LATCHKEY_CLIENT_ID: &str = "latchkey";

/// The running provider; stops when dropped.
pub struct Upstream {
    pub issuer: String,
    _child: tokio::process::Child,
}

impl Upstream {
    /// `None` when the e2e packages are not installed.
    pub async fn start(latchkey_issuer: &str, name: &str) -> Option<Self> {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
        if !dir.join("node_modules/oidc-provider").exists() {
            return None;
        }
        let mut child = tokio::process::Command::new("node")
            .arg("upstream-provider.mjs")
            .current_dir(dir)
            .env("UPSTREAM_CLIENT_ID", LATCHKEY_CLIENT_ID)
            .env("UPSTREAM_CLIENT_SECRET", "upstream-secret")
            .env("UPSTREAM_REDIRECT_URI", format!("{latchkey_issuer}/federation/{name}/callback"))
            .env("UPSTREAM_NATIVE_CLIENT_ID", NATIVE_CLIENT_ID)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Self { issuer: ready["issuer"].as_str().unwrap().to_owned(), _child: child })
    }
}

/// Registers the provider as `name` at Latchkey, accepting ID tokens issued to the app.
pub async fn register_provider(latchkey: &TestLatchkey, name: &str, issuer: &str, linking: Linking) {
    let spec = oidc_provider_spec(name, issuer, LATCHKEY_CLIENT_ID, linking, &[NATIVE_CLIENT_ID]);
    let sealer = SecretSealer::new(&latchkey.master).unwrap();
    add_provider(latchkey.store.as_ref(), &sealer, spec, SystemClock.now()).await.unwrap();
}
