//! The product name, logo and accent colour of the hosted pages and e-mails
//! (docs/architecture.md, "Branding and languages"), validated at start: the colour goes into
//! the stylesheet and the logo's origin into the Content-Security-Policy, so only values that
//! cannot change their meaning there are accepted.

use anyhow::{bail, Context};
use url::{Host, Url};

use crate::config::Config;

/// The accent colour of the built-in stylesheet, replaced by `brand_accent`.
pub const DEFAULT_ACCENT: &str = "#2563eb";

/// The validated branding settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub name: String,
    pub logo: Option<Url>,
    pub accent: String,
}

impl Branding {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        Ok(Self {
            name: name(&config.brand_name)?,
            logo: config.brand_logo_url.as_deref().map(logo).transpose()?,
            accent: accent(&config.brand_accent)?,
        })
    }

    /// The logo's origin, the one `img-src` source it needs (CSP Level 3 §2.3.1 source
    /// expressions: scheme, host and port, nothing broader).
    pub fn logo_origin(&self) -> Option<String> {
        self.logo.as_ref().map(|logo| logo.origin().ascii_serialization())
    }
}

/// Any text of at most 64 characters but control characters (it goes into e-mail subjects,
/// where a line break would start a header); HTML is escaped where it is shown.
fn name(value: &str) -> anyhow::Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
        bail!("brand_name must be 1 to 64 characters without control characters");
    }
    Ok(value.to_owned())
}

/// An `https` URL (`http` only on a loopback host, for development) whose host is a plain
/// domain name or an IP address, without credentials.
fn logo(value: &str) -> anyhow::Result<Url> {
    let url = Url::parse(value).context("brand_logo_url is not a URL")?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => {
            if !domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
                bail!("brand_logo_url's host must be a domain name or an IP address");
            }
            domain == "localhost"
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => bail!("brand_logo_url must be an https URL"),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => bail!("brand_logo_url must be an https URL (http only on a loopback host)"),
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("brand_logo_url must not carry credentials");
    }
    Ok(url)
}

/// `#rgb` or `#rrggbb` (CSS Color 4 §5.2), nothing else: the value is written into the
/// stylesheet.
fn accent(value: &str) -> anyhow::Result<String> {
    let digits = value.strip_prefix('#').unwrap_or_default();
    if !matches!(digits.len(), 3 | 6) || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("brand_accent must be a hex colour, #rgb or #rrggbb");
    }
    Ok(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_refused() {
        for bad in ["red", "#12", "#1234", "#ggg", "#fff;}body{display:none", "#fff ", "red;}body{x:y}"] {
            assert!(accent(bad).is_err(), "{bad}");
        }
        assert_eq!(accent("#0A0").unwrap(), "#0a0");
        for bad in [
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "http://cdn.example.com/logo.png",
            "https://user:pw@cdn.example.com/logo.png",
            "https://a;b.example.com/logo.png",
            "logo.png",
        ] {
            assert!(logo(bad).is_err(), "{bad}");
        }
        assert!(logo("http://127.0.0.1:9000/logo.png").is_ok());
        assert!(logo("http://localhost/logo.png").is_ok());
        assert!(name("Acme\r\nBcc: x@example.com").is_err() && name(" ").is_err());
    }
}
