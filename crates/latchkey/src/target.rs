//! Where an administration command acts: on the database, as it always did ([`Context`]), or
//! through a running server's admin API (`--server URL`, [`AdminApi`]). Both give the same
//! results: the commands print the admin API's views (`latchkey_server::admin_api`) either
//! way, and the operations behind them are the same functions (`latchkey_server::admin`).

use anyhow::Context as _;
use latchkey_server::admin_api::UserView;
use latchkey_server::Config;
use latchkey_store::User;

use crate::context::Context;
use crate::remote::AdminApi;

pub enum Target {
    Local(Box<Context>),
    Remote(AdminApi),
}

impl Target {
    /// The admin API of `server` when given, else the configured database.
    pub async fn open(config: Config, server: Option<&str>) -> anyhow::Result<Self> {
        Ok(match server {
            Some(server) => Self::Remote(AdminApi::connect(server).await?),
            None => Self::Local(Box::new(Context::open(config).await?)),
        })
    }

    /// The database, for commands that only work on it.
    pub fn local(&self, what: &str) -> anyhow::Result<&Context> {
        match self {
            Self::Local(ctx) => Ok(ctx),
            Self::Remote(_) => anyhow::bail!("{what} works on the database only: run it without --server"),
        }
    }

    /// The user named `username`.
    pub async fn user(&self, username: &str) -> anyhow::Result<UserView> {
        let found = match self {
            Self::Local(ctx) => ctx.store.user_by_username(username).await?.as_ref().map(UserView::from),
            Self::Remote(api) => {
                let filter = [("username", username.to_owned())];
                api.list_all::<UserView>("/users", &filter).await?.into_iter().next()
            }
        };
        found.with_context(|| format!("no user named {username:?}"))
    }
}

/// The stored user behind a view (local commands hand it to `latchkey_server::admin`).
pub async fn stored_user(ctx: &Context, view: &UserView) -> anyhow::Result<User> {
    ctx.store.user_by_id(&view.id).await?.with_context(|| format!("no user named {:?}", view.username))
}
