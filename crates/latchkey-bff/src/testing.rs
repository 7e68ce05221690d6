//! Test support (feature `testing`): a scripted browser with one cookie jar per origin, no
//! automatic redirects, and the BFF's public origin mapped to where the BFF under test
//! listens. It signs a user in on Latchkey's hosted login page and follows the redirects back
//! to the BFF's callback. Test support fails loudly, hence the panics allowed here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use reqwest::redirect::Policy;
use reqwest::{Method, RequestBuilder, Response};

pub struct Browser {
    pub http: reqwest::Client,
    /// The BFF's public URL (origin), as its configuration says.
    public: String,
    username: String,
    password: String,
    /// Where the BFF listens (the public URL is mapped here).
    pub bff: String,
    issuer: String,
    /// origin → cookie name → value
    jars: HashMap<String, HashMap<String, String>>,
    /// Every `Set-Cookie` the BFF sent, verbatim.
    pub bff_set_cookies: Vec<String>,
    /// BFF responses that set a cookie without `Cache-Control: no-store`.
    pub cacheable_cookie_responses: usize,
}

fn origin_of(url: &str) -> String {
    reqwest::Url::parse(url).unwrap().origin().ascii_serialization()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].replace("&amp;", "&")
}

impl Browser {
    /// A browser for the BFF listening at `bff` whose public URL is `public`, signing in as
    /// `username`.
    pub fn new(bff: &str, public: &str, issuer: &str, username: &str, password: &str) -> Self {
        Self {
            public: public.trim_end_matches('/').to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            http: reqwest::Client::builder().redirect(Policy::none()).build().unwrap(),
            bff: bff.to_owned(),
            issuer: issuer.to_owned(),
            jars: HashMap::new(),
            bff_set_cookies: Vec::new(),
            cacheable_cookie_responses: 0,
        }
    }

    /// The real URL of `url` (the BFF's public origin → its listener).
    fn real(&self, url: &str) -> String {
        match url.strip_prefix(self.public.as_str()) {
            Some(rest) => format!("{}{rest}", self.bff),
            None if url.starts_with('/') => format!("{}{url}", self.bff),
            None => url.to_owned(),
        }
    }

    fn public_origin(&self, real: &str) -> String {
        if real.starts_with(&self.bff) {
            self.public.clone()
        } else {
            origin_of(real)
        }
    }

    /// A request carrying this browser's cookies for `url`'s origin.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let real = self.real(url);
        let jar = self.jars.get(&self.public_origin(&real)).cloned().unwrap_or_default();
        let cookie = jar.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        let request = self.http.request(method, real);
        if cookie.is_empty() {
            request
        } else {
            request.header("cookie", cookie)
        }
    }

    /// Stores the response's cookies for `url`'s origin (deleting those with `Max-Age=0`).
    pub fn absorb(&mut self, url: &str, response: &Response) {
        let origin = self.public_origin(&self.real(url));
        let no_store = response.headers().get("cache-control").is_some_and(|v| v == "no-store");
        if origin == self.public && response.headers().contains_key("set-cookie") && !no_store {
            self.cacheable_cookie_responses += 1;
        }
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap().to_owned();
            let cookie = cookie::Cookie::parse(text.clone()).unwrap();
            let jar = self.jars.entry(origin.clone()).or_default();
            if cookie.max_age().is_some_and(|age| age.is_zero()) {
                jar.remove(cookie.name());
            } else {
                jar.insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
            if origin == self.public {
                self.bff_set_cookies.push(text);
            }
        }
    }

    /// The BFF session cookie's value, if this browser has one.
    /// The session cookie's name: without `Secure` and its prefix over plain HTTP
    /// (loopback, see [`crate::cookies`]).
    fn session_cookie_name(&self) -> &'static str {
        crate::cookies::name(crate::cookies::SESSION, self.public.starts_with("http://"))
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.jars.get(&self.public)?.get(self.session_cookie_name()).cloned()
    }

    pub fn set_session_cookie(&mut self, value: &str) {
        let name = self.session_cookie_name();
        self.jars.entry(self.public.clone()).or_default().insert(name.into(), value.into());
    }

    /// GET `url`, then follow redirects (signing in on the way) until a non-redirect answer
    /// or a redirect to a BFF page other than the callback; returns the last response and
    /// its URL.
    pub async fn navigate(&mut self, url: &str) -> (Response, String) {
        let mut url = url.to_owned();
        let mut response = self.request(Method::GET, &url).send().await.unwrap();
        for _ in 0..12 {
            self.absorb(&url, &response);
            if response.status().is_redirection() {
                let location = response.headers()["location"].to_str().unwrap().to_owned();
                let next = if location.starts_with('/') {
                    format!(
                        "{}{location}",
                        if self.real(&url).starts_with(&self.bff) { &self.public } else { &self.issuer }
                    )
                } else {
                    location
                };
                let back_at_app = next.starts_with(&self.public) && !next.contains("/bff/");
                if back_at_app {
                    return (response, next);
                }
                url = next;
                response = self.request(Method::GET, &url).send().await.unwrap();
                continue;
            }
            if !self.real(&url).starts_with(&self.issuer) {
                return (response, url);
            }
            let html = response.text().await.unwrap();
            let (action, fields) = if html.contains("action=\"/login\"") {
                ("/login", vec![("username", self.username.clone()), ("password", self.password.clone())])
            } else if html.contains("action=\"/consent\"") {
                ("/consent", vec![("decision", "allow".to_owned())])
            } else {
                panic!("unexpected page at {url}: {html}");
            };
            let mut form =
                vec![("interaction", hidden(&html, "interaction")), ("csrf", hidden(&html, "csrf"))];
            form.extend(fields);
            url = format!("{}{action}", self.issuer);
            response = self
                .request(Method::POST, &url)
                .header("origin", &self.issuer)
                .form(&form)
                .send()
                .await
                .unwrap();
        }
        panic!("too many steps");
    }

    /// Signs in through `/bff/login`; returns where the BFF sent the browser afterwards.
    pub async fn sign_in(&mut self, return_to: &str) -> String {
        let start = format!("{}/bff/login?return_to={}", self.public, urlencode(return_to));
        let (response, landed) = self.navigate(&start).await;
        assert_eq!(response.status(), 303, "{landed}");
        assert!(self.session_cookie().is_some(), "signed in");
        landed
    }

    /// An API call as the app's JavaScript makes it: CSRF header and the app's `Origin`.
    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}{path}", self.public);
        self.request(method, &url).header("x-latchkey-csrf", "1").header("origin", &self.public)
    }
}

pub fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
