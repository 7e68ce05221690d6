//! Federation across processes: two `latchkey serve` processes on one database (on
//! PostgreSQL, two real processes sharing the state that must hold across them). A sign-in
//! started at one process through a real upstream (`e2e/upstream-provider.mjs`) completes at
//! the other — the flow, the user and the code live in the database — and the same callback
//! replayed at the first process is refused.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use latchkey_store::on_both_backends;
use latchkey_store::testing::skip_unless_required;
use reqwest::blocking::{Client, Response};
use serde_json::Value;

use crate::{Env, ServerProcess, SHARED_ISSUER};

on_both_backends!(
    blocking;
    a_sign_in_started_at_one_process_completes_at_another,
);

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT_URI: &str = "http://127.0.0.1/cb";

struct Upstream {
    child: Child,
    issuer: String,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn upstream() -> Option<Upstream> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e");
    if !dir.join("node_modules/oidc-provider").exists() {
        skip_unless_required("missing e2e/node_modules/oidc-provider (run `npm ci --prefix e2e`)");
        return None;
    }
    let mut child = Command::new("node")
        .arg("upstream-provider.mjs")
        .current_dir(dir)
        .env("UPSTREAM_CLIENT_ID", "latchkey")
        .env("UPSTREAM_CLIENT_SECRET", "upstream-secret")
        .env("UPSTREAM_REDIRECT_URI", format!("{SHARED_ISSUER}/federation/acme/callback"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start node");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    Some(Upstream { child, issuer: ready["issuer"].as_str().unwrap().to_owned() })
}

/// A browser: one cookie jar for every host (all are 127.0.0.1 or localhost), no redirects.
struct Browser {
    http: Client,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn get(&mut self, url: &str) -> Response {
        let jar: Vec<String> = self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let response = self.http.get(url).header("cookie", jar.join("; ")).send().unwrap();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
        response
    }
}

fn location(response: &Response, base: &str) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        location.to_owned()
    }
}

fn origin(url: &str) -> String {
    url::Url::parse(url).unwrap().origin().ascii_serialization()
}

fn a_sign_in_started_at_one_process_completes_at_another(env: Env) {
    let Some(upstream) = upstream() else { return };
    let added = env.run(
        &[
            "providers",
            "add",
            "acme",
            "--kind",
            "oidc",
            "--issuer",
            &upstream.issuer,
            "--client-id",
            "latchkey",
            "--client-secret-stdin",
        ],
        "upstream-secret\n",
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let app = env.run_ok_json(
        &[
            "clients",
            "add",
            "app",
            "--type",
            "public",
            "--grant",
            "authorization_code",
            "--scope",
            "openid",
            "--redirect-uri",
            REDIRECT_URI,
            "--skip-consent",
            "--json",
        ],
        "",
    );
    let client_id = app["client_id"].as_str().unwrap();
    let first = ServerProcess::start(&env, &[]);
    let second = ServerProcess::start(&env, &[]);

    // Started at the first process, through the upstream, up to the callback.
    let mut browser = Browser {
        http: Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        cookies: HashMap::new(),
    };
    let mut url = first.url(&format!(
        "/authorize?response_type=code&client_id={client_id}&redirect_uri={REDIRECT_URI}&scope=openid\
         &state=s1&code_challenge={CHALLENGE}&code_challenge_method=S256&idp_hint=acme"
    ));
    let callback = loop {
        let response = browser.get(&url);
        assert!(response.status().is_redirection(), "{url}: {}", response.status());
        url = location(&response, &origin(&url));
        if let Some(rest) = url.strip_prefix(SHARED_ISSUER) {
            break rest.to_owned();
        }
    };
    assert!(callback.starts_with("/federation/acme/callback?"), "{callback}");

    // Completed at the second process, which resumes the request and issues the code.
    let mut url = second.url(&callback);
    let back = loop {
        let response = browser.get(&url);
        assert_eq!(response.status(), 303, "{url}: {}", response.text().unwrap());
        url = location(&response, &second.base);
        if url.starts_with(REDIRECT_URI) {
            break url;
        }
        url = second.url(url.strip_prefix(SHARED_ISSUER).unwrap_or(&url[second.base.len()..]));
    };
    let code =
        url::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let tokens: Value = browser
        .http
        .post(first.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client_id),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(tokens["id_token"].is_string(), "{tokens}");

    // The same callback at the first process: the flow was used.
    let replay = browser.get(&first.url(&callback));
    assert_eq!(replay.status(), 400);
    let users = env.run_ok_json(&["users", "list", "--json"], "");
    assert_eq!(users.as_array().unwrap().len(), 1, "{users}");
}
