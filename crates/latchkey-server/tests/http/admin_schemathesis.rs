//! schemathesis (PyPI, `interop/admin/requirements.txt`, installed by `scripts/test.sh`)
//! against `/admin/openapi.json` of a real server, with an admin token: it generates requests
//! from the description (valid and edge-case bodies, parameters, paths) and fails on any 5xx,
//! any status or content type the description does not list, and any response body that does
//! not match its schema.
//!
//! Revoking a signing key is left out: revoking the key that signs the run's own token ends
//! the run's authentication (tested in `admin_resources`).

use latchkey_store::testing::skip_unless_required;

use crate::admin_kit::admin_token;
use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(schemathesis_finds_no_server_error_and_no_schema_violation);

async fn schemathesis_finds_no_server_error_and_no_schema_violation(server: TestServer) {
    let token = admin_token(&server).await;
    server.with_app_and_alice().await;
    server.add_user("bob", &["teller"]).await;
    let spec = server.url("/admin/openapi.json");
    let scratch = tempfile::tempdir().unwrap(); // schemathesis keeps a cache in its directory
    let output = tokio::process::Command::new("schemathesis")
        .current_dir(scratch.path())
        .args(["run", &spec, "--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--exclude-operation-id",
            "keys_revoke",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "20",
            "--seed",
            "1",
            "--workers",
            "1",
        ])
        .env("NO_COLOR", "1")
        .output()
        .await;
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return skip_unless_required(&format!(
                "schemathesis cannot be run ({e}); scripts/test.sh installs it"
            ))
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("Tested: 31"), "every operation but keys_revoke was tested:\n{stdout}");
}
