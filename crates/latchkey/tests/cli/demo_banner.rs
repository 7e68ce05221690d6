//! What `serve --demo` prints, read as a newcomer reads it: the issuer, the demo user and
//! client, and the command that starts the bank's web front end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::Env;

/// What `serve --demo` prints about the demo user and client.
pub struct DemoBanner {
    pub issuer: String,
    /// The text after `Demo user:`: `demo / PASSWORD` on first start.
    pub user: String,
    pub client_id: String,
    /// The printed command that starts the bank with its web front end.
    pub bank_command: String,
}

impl DemoBanner {
    /// The password, when the banner shows one.
    pub fn password(&self) -> Option<&str> {
        self.user.strip_prefix("demo / ")
    }
}

/// Starts `latchkey serve --demo ARGS` and reads its banner.
pub fn serve_demo(env: &Env, args: &[&str]) -> (Child, DemoBanner) {
    let mut child = env
        .command(&[&["serve", "--demo"], args].concat())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let banner = read_demo_banner(&mut child);
    (child, banner)
}

/// Reads the server's stdout until the demo instructions are printed.
pub fn read_demo_banner(child: &mut Child) -> DemoBanner {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut issuer, mut user, mut client_id, mut bank_command) = (None, None, None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Latchkey is listening on ") {
            issuer = rest.split("(issuer ").nth(1).map(|s| s.trim_end_matches(')').to_owned());
        } else if let Some(rest) = line.strip_prefix("Demo user:   ") {
            user = Some(rest.to_owned());
        } else if let Some(rest) = line.strip_prefix("Demo client: ") {
            client_id = rest.split(' ').next().map(str::to_owned);
        } else if line.contains(" -p latchkey-bank ") {
            bank_command = Some(line.trim().to_owned());
            break;
        }
    }
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    DemoBanner {
        issuer: issuer.unwrap(),
        user: user.unwrap(),
        client_id: client_id.unwrap(),
        bank_command: bank_command.expect("the banner prints the bank's command"),
    }
}
