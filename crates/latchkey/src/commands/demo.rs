//! `serve --demo`: the demo user, the demo public client, and the bank's web client, created
//! on first start, and the banner that tells a newcomer what to run next.

use std::io::Write;

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_crypto::{random, MasterKey};
use latchkey_server::admin::{self, NewClient, UserSpec};
use latchkey_server::tokens::client_secret::ClientSecrets;
use latchkey_store::Client;

use crate::context::Context;

const DEMO_USER: &str = "demo";
const DEMO_CLIENT: &str = "demo-app";
const DEMO_SCOPE: &str = "profile bank:read bank:write";
/// The bank's web front end (`examples/bank`, its embedded BFF): a confidential client.
const BANK_WEB_CLIENT: &str = "bank-web";
const BANK_WEB_SCOPE: &str = "openid profile bank:read bank:write";
/// Where the bank listens by default. Loopback redirect URIs match any port (RFC 8252
/// §7.3), so a bank started on another port (`--demo-bank-port`) is accepted too.
const BANK_WEB_ORIGIN: &str = "http://127.0.0.1:8081";

pub struct Demo {
    /// The new demo user's password; `None` when the user existed already (a restart).
    password: Option<String>,
    client_id: String,
    bank_web_id: String,
    /// The bank web client's secret, new on every start.
    bank_web_secret: String,
}

/// Creates the demo user and clients when they do not exist. An existing demo user keeps its
/// password and sessions: a restart must not log out whoever is trying the demo.
pub async fn prepare(ctx: &Context, master: &MasterKey) -> anyhow::Result<Demo> {
    let store = ctx.store.as_ref();
    let password = match store.user_by_username(DEMO_USER).await? {
        Some(_) => None,
        None => {
            let password = random::token(12)?;
            let spec = UserSpec {
                username: DEMO_USER.into(),
                email: Some("demo@example.com".into()),
                email_verified: false,
                roles: vec!["customer".into()],
            };
            let secret = Secret::new(password.clone());
            admin::add_user(store, &ctx.password_pool()?, spec, &secret, ctx.now()).await?;
            Some(password)
        }
    };
    let clients = store.list_clients().await?;
    let secrets = latchkey_server::client_secrets(master);
    let client_id = match clients.iter().find(|c| c.name == DEMO_CLIENT) {
        Some(client) => client.id.clone(),
        None => {
            let grants = [GrantType::Password, GrantType::RefreshToken];
            let client = NewClient::new(DEMO_CLIENT, ClientKind::Public, &grants, Scope::parse(DEMO_SCOPE)?);
            admin::add_client(store, &secrets, client, ctx.now()).await?.0.registration.id
        }
    };
    let (bank_web_id, bank_web_secret) = bank_web_client(ctx, &secrets, &clients).await?;
    Ok(Demo { password, client_id, bank_web_id, bank_web_secret })
}

/// Registers the bank's web client, or gives the existing one a new secret. Only a hash of
/// a client secret is stored, so a restart cannot print the old one again; a new secret on
/// each start keeps the banner's bank command always working. It logs nobody out: the
/// secret authenticates the bank's BFF to the token endpoint, and the sessions and refresh
/// tokens already issued stay valid (a bank still running with the old secret fails its
/// next refresh and must be restarted with the new command).
async fn bank_web_client(
    ctx: &Context,
    secrets: &ClientSecrets,
    clients: &[Client],
) -> anyhow::Result<(String, String)> {
    let store = ctx.store.as_ref();
    if let Some(client) = clients.iter().find(|c| c.name == BANK_WEB_CLIENT) {
        let secret = admin::rotate_client_secret(store, secrets, client).await?;
        return Ok((client.id.clone(), secret));
    }
    let grants = [GrantType::AuthorizationCode, GrantType::RefreshToken];
    let mut client =
        NewClient::new(BANK_WEB_CLIENT, ClientKind::Confidential, &grants, Scope::parse(BANK_WEB_SCOPE)?);
    client.redirect_uris = vec![format!("{BANK_WEB_ORIGIN}/bff/callback")];
    client.post_logout_redirect_uris = vec![format!("{BANK_WEB_ORIGIN}/")];
    client.require_consent = false; // first party: the demo's own bank
    let (client, secret) = admin::add_client(store, secrets, client, ctx.now()).await?;
    let secret = secret.ok_or_else(|| anyhow::anyhow!("a confidential client without a secret"))?;
    Ok((client.registration.id, secret))
}

/// Prints the demo user and clients and the commands to try them, on stdout (never in a
/// log line: the banner carries the password and the bank's secret).
pub fn print(issuer: &str, audience: &str, bank_port: u16, demo: &Demo) {
    let client_id = &demo.client_id;
    let (user_line, password) = match &demo.password {
        Some(password) => (format!("{DEMO_USER} / {password}"), password.as_str()),
        None => (
            format!(
                "{DEMO_USER} (exists already: its password and sessions are kept; \
                 `latchkey users set-password {DEMO_USER} --password-stdin` sets a new password)"
            ),
            "PASSWORD",
        ),
    };
    let bank = format!("http://127.0.0.1:{bank_port}");
    let audience_arg = if audience == issuer { String::new() } else { format!(" --audience {audience}") };
    let bank_command = format!(
        "BANK_WEB_CLIENT_SECRET={} cargo run --release -p latchkey-bank -- --issuer {issuer}{audience_arg} \
         --web-client-id {} --listen 127.0.0.1:{bank_port} --public-url {bank}",
        demo.bank_web_secret, demo.bank_web_id
    );
    // A closed stdout (e.g. a supervisor that stopped reading) must not stop the server.
    let _ = writeln!(
        std::io::stdout(),
        "\nDemo user:   {user_line}\nDemo client: {client_id} (public; password and refresh_token grants)\n\
         Bank web client: {} (confidential; a new secret on every start)\n\n\
         1. The bank's web page: start the bank (in another terminal; after a restart of Latchkey, \
         again with this new command), then open {bank}/ and sign in as {DEMO_USER}:\n   {bank_command}\n\n\
         2. Log in (password grant):\n   curl -s {issuer}/token -d grant_type=password -d client_id={client_id} -d username={DEMO_USER} -d password={password}\n\n\
         3. Decode and verify the access token:\n   cargo run --release -p latchkey -- token inspect --issuer {issuer} --audience {audience} ACCESS_TOKEN\n\n\
         4. Refresh (each refresh token works once; the answer carries the next one):\n   curl -s {issuer}/token -d grant_type=refresh_token -d client_id={client_id} -d refresh_token=REFRESH_TOKEN\n",
        demo.bank_web_id
    );
}
