//! What every hosted page and e-mail is dressed in: the branding, the stylesheet with its
//! accent colour and the Content-Security-Policy that allows it, computed once at start, and
//! the message catalogue with the language of the request (docs/architecture.md, "Branding
//! and languages").
//!
//! A middleware ([`InPresentation`]) makes them the current presentation of each request's
//! task, so a page or an e-mail template asks [`tr`] for a text without every handler passing
//! the language along (and the pages of other areas pick up the branding without a change).

use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use maud::{html, Markup, PreEscaped};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use super::branding::{Branding, DEFAULT_ACCENT};
use super::security_headers::content_security_policy;
use super::STYLE;
use crate::config::Config;
use crate::i18n::{Arg, Catalogue, Language};

/// The settings' presentation, built at start.
pub struct Presentation {
    pub branding: Branding,
    pub catalogue: Catalogue,
    /// The stylesheet with the accent colour, and the policy that allows it by its hash.
    pub style: String,
    pub csp: HeaderValue,
}

impl Presentation {
    /// Validates the branding (a startup error names the bad setting) and loads the catalogue.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let branding = Branding::from_config(config)?;
        let style = STYLE.replace(DEFAULT_ACCENT, &branding.accent);
        let csp = content_security_policy(&style, branding.logo_origin().as_deref())?;
        let catalogue = Catalogue::load(config.messages_dir.as_deref())?;
        Ok(Self { branding, catalogue, style, csp })
    }
}

/// A request's presentation and language.
#[derive(Clone)]
pub struct Current {
    presentation: Arc<Presentation>,
    language: Language,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// The defaults, for what runs outside a request (unit tests of the templates).
static DEFAULT: LazyLock<Option<Arc<Presentation>>> =
    LazyLock::new(|| Presentation::from_config(&Config::default()).ok().map(Arc::new));

/// Wraps a route in [`InPresentation`]. No `axum::middleware::from_fn` (docs/architecture.md,
/// "Performance budgets").
#[derive(Clone)]
pub struct PresentationLayer {
    pub presentation: Arc<Presentation>,
}

impl<S> Layer<S> for PresentationLayer {
    type Service = InPresentation<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InPresentation { inner, presentation: self.presentation.clone() }
    }
}

/// The middleware: the request's language from its `Accept-Language`, and the server's
/// presentation, for everything the handler renders.
#[derive(Clone)]
pub struct InPresentation<S> {
    inner: S,
    presentation: Arc<Presentation>,
}

impl<S: Service<Request>> Service<Request> for InPresentation<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Current, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let accept_language = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let language = self.presentation.catalogue.negotiate(accept_language.unwrap_or_default());
        let current = Current { presentation: self.presentation.clone(), language };
        // The inner `call` in the scope too, as the handler's future is polled in it.
        let answer = CURRENT.sync_scope(current.clone(), || self.inner.call(request));
        CURRENT.scope(current, answer)
    }
}

/// `future` with the current presentation and language: for the work a handler spawns (the
/// e-mails it queues after answering, so the answer's timing tells nothing).
pub fn carry<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let current = CURRENT.try_with(Clone::clone).ok();
    async move {
        match current {
            Some(current) => CURRENT.scope(current, future).await,
            None => future.await,
        }
    }
}

/// `f` of the current presentation and language.
pub(crate) fn with_current<T>(f: impl FnOnce(&Presentation, Language) -> T) -> Option<T> {
    match CURRENT.try_with(|current| (current.presentation.clone(), current.language)) {
        Ok((presentation, language)) => Some(f(&presentation, language)),
        Err(_) => DEFAULT.as_deref().map(|presentation| f(presentation, Language::ENGLISH)),
    }
}

/// Message `id` of the catalogue, in the request's language, with the product name as
/// `{ $brand }`.
pub fn tr(id: &str) -> String {
    tr_args(id, &[])
}

/// Message `id` with `args` (and `{ $brand }`).
pub fn tr_args(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    with_current(|presentation, language| {
        let mut all = vec![("brand", Arg::from(presentation.branding.name.as_str()))];
        all.extend(args.iter().cloned());
        presentation.catalogue.message(language, id, &all)
    })
    .unwrap_or_else(|| id.to_owned())
}

/// Message `id` as HTML, its `args` being markup (e.g. `strong { (name) }`): the message's
/// own text is escaped, the arguments are inserted as they are.
pub fn tr_markup(id: &str, args: &[(&str, Markup)]) -> Markup {
    // Each argument is formatted as a private-use marker, replaced after escaping.
    let marker = |index: usize| format!("\u{e000}{index}\u{e001}");
    let markers: Vec<(&str, Arg<'_>)> =
        args.iter().enumerate().map(|(index, (name, _))| (*name, Arg::from(marker(index)))).collect();
    let mut escaped = html! { (tr_args(id, &markers)) }.into_string();
    for (index, (_, markup)) in args.iter().enumerate() {
        escaped = escaped.replace(&marker(index), &markup.0);
    }
    PreEscaped(escaped)
}

/// The `<html lang>` of the request's language.
pub fn language_tag() -> String {
    with_current(|presentation, language| presentation.catalogue.tag(language).to_owned())
        .unwrap_or_else(|| "en".to_owned())
}
