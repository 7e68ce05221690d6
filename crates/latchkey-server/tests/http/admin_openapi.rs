//! The OpenAPI description of the admin API: generated from the code, served at
//! `/admin/openapi.json`, and checked in as `docs/admin-openapi.json` — which must not drift
//! from the code.

use std::path::PathBuf;

use latchkey_server::admin_api::openapi_json;
use serde_json::Value;

use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(the_served_description_is_the_generated_one);

const REGENERATE: &str = "LATCHKEY_UPDATE_OPENAPI=1 scripts/test.sh -p latchkey-server --test http openapi";

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/admin-openapi.json")
}

#[test]
fn the_checked_in_description_matches_the_code() {
    let generated = openapi_json();
    if std::env::var_os("LATCHKEY_UPDATE_OPENAPI").is_some() {
        std::fs::write(checked_in(), &generated).unwrap();
    }
    let stored = std::fs::read_to_string(checked_in()).unwrap_or_default();
    assert!(
        stored == generated,
        "docs/admin-openapi.json differs from the admin API's code; regenerate it with\n    {REGENERATE}\nand commit it"
    );
    let spec: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
}

async fn the_served_description_is_the_generated_one(server: TestServer) {
    let response = server.http.get(server.url("/admin/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200, "served without a token: it describes, it holds nothing");
    assert_eq!(response.text().await.unwrap(), openapi_json());
}
