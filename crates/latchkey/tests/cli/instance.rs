//! Several processes on one database, tried as a new user would: the master key and the
//! issuer are the database's, and processes starting at once agree on one set of keys.

use std::process::Command;

use latchkey_crypto::MasterKey;
use latchkey_store::{on_both_backends, KeyStore, SqlStore};

use crate::{Env, ServerProcess, BIN, SHARED_ISSUER};

on_both_backends!(
    blocking;
    a_wrong_master_key_stops_the_cli_and_the_server_with_that_message,
    a_cli_run_from_another_directory_creates_no_key_file,
    a_process_with_another_issuer_refuses_to_start_unless_told_to_change_it,
    two_processes_starting_at_once_on_an_empty_database_publish_one_jwks,
);

fn generated_key() -> String {
    let output = Command::new(BIN).args(["master-key", "generate"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim_end().to_owned()
}

fn add_confidential_client(command: &mut Command) -> std::process::Output {
    command.args(["clients", "add", "backend", "--type", "confidential", "--grant", "client_credentials"]);
    command.output().unwrap()
}

fn serve(env: &Env, args: &[&str], master_key: &str) -> Result<ServerProcess, String> {
    let mut command = env.command(&[&["serve", "--listen", "127.0.0.1:0"][..], args].concat());
    command.env("LATCHKEY_MASTER_KEY", master_key);
    ServerProcess::spawn(command)
}

#[test]
fn master_key_generate_prints_a_new_valid_key() {
    let (first, second) = (generated_key(), generated_key());
    assert!(MasterKey::from_base64(&first).is_ok(), "{first:?} is a master key");
    assert_ne!(first, second, "each key is new");
}

#[test]
fn a_public_listen_address_without_an_issuer_is_refused_naming_the_flag() {
    let env = Env::sqlite();
    let output = env.command(&["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("not a loopback address") && stderr.contains("--issuer"), "{stderr}");
}

fn a_wrong_master_key_stops_the_cli_and_the_server_with_that_message(env: Env) {
    env.alice_and_app(); // initialises the database with the key file of the data directory
    let wrong = generated_key();
    let mut cli = env.command(&[]);
    cli.env("LATCHKEY_MASTER_KEY", &wrong);
    let output = add_confidential_client(&mut cli);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "no client secret under a wrong key: {stderr}");
    assert!(stderr.contains("wrong master key") && stderr.contains("initialised with"), "{stderr}");
    assert!(output.stdout.is_empty(), "no secret printed");

    let refused = serve(&env, &["--issuer", SHARED_ISSUER], &wrong).err().expect("the server refuses");
    assert!(refused.contains("wrong master key"), "{refused}");
}

fn a_cli_run_from_another_directory_creates_no_key_file(env: Env) {
    env.alice_and_app();
    let elsewhere = tempfile::tempdir().unwrap();
    let mut cli = Command::new(BIN);
    cli.current_dir(elsewhere.path())
        .env_remove("LATCHKEY_MASTER_KEY")
        .args(["--database-url", &env.database_url()]);
    let output = add_confidential_client(&mut cli);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("no master key"), "{stderr}");
    assert!(!elsewhere.path().join("latchkey-data").join("master.key").exists(), "no new key file");
    assert!(output.stdout.is_empty(), "no secret printed");
}

fn a_process_with_another_issuer_refuses_to_start_unless_told_to_change_it(env: Env) {
    let key = generated_key();
    drop(serve(&env, &["--issuer", SHARED_ISSUER], &key).unwrap());
    let other = "http://127.0.0.1:9999";
    let refused = serve(&env, &["--issuer", other], &key).err().expect("another issuer is refused");
    assert!(refused.contains("issuer mismatch") && refused.contains(SHARED_ISSUER), "{refused}");
    assert!(refused.contains("--change-issuer"), "it says how to change it: {refused}");
    let moved = serve(&env, &["--issuer", other, "--change-issuer"], &key).unwrap();
    assert_eq!(moved.issuer, other);
    drop(moved);
    let old = serve(&env, &["--issuer", SHARED_ISSUER], &key).err().expect("the old issuer is gone");
    assert!(old.contains("issuer mismatch"), "{old}");
}

fn two_processes_starting_at_once_on_an_empty_database_publish_one_jwks(env: Env) {
    let key = generated_key();
    if env.database_url().starts_with("sqlite:") {
        // SQLite migrations take no lock across processes: migrate once, as the README says.
        assert!(env.run(&["migrate"], "").status.success());
    }
    let commands = (0..2).map(|_| {
        let mut command = env.command(&["serve", "--listen", "127.0.0.1:0", "--issuer", SHARED_ISSUER]);
        command.env("LATCHKEY_MASTER_KEY", &key);
        command
    });
    // Spawn both before reading either banner: they start at once.
    let starting: Vec<_> =
        commands.map(|command| std::thread::spawn(move || ServerProcess::spawn(command))).collect();
    let servers: Vec<ServerProcess> = starting.into_iter().map(|s| s.join().unwrap().unwrap()).collect();
    let jwks: Vec<String> = servers
        .iter()
        .map(|s| reqwest::blocking::get(s.url("/jwks.json")).unwrap().text().unwrap())
        .collect();
    assert_eq!(jwks[0], jwks[1], "both processes publish the same keys");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let algs = runtime.block_on(async {
        let store = SqlStore::connect(&env.database_url()).await.unwrap();
        let mut algs: Vec<String> = store.signing_keys().await.unwrap().into_iter().map(|k| k.alg).collect();
        algs.sort();
        algs
    });
    assert_eq!(algs, ["ES256", "RS256"], "one key per algorithm");
}
