//! The client's IP address, for the sign-in throttle and the logs.
//!
//! It is the socket peer, unless that peer is one of the configured `trusted_proxies`: then
//! it is the right-most address of the forwarding chain that is not itself a trusted proxy
//! (`Forwarded`, RFC 7239 §5.2, when present, else `X-Forwarded-For`). Every hop left of it
//! was written by whoever sent the request, so it can be anything; the hops to its right were
//! appended by our own proxies. A request from an untrusted peer cannot change its address
//! with these headers.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Whether the "no trusted proxies" warning was logged already.
static WARNED_UNTRUSTED_PROXY: AtomicBool = AtomicBool::new(false);

/// The client IP of a request that arrived from `peer` with `headers`.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer.ip());
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        if trusted.is_empty() && peer.is_loopback() && headers.contains_key("x-forwarded-for") {
            warn_once_shared_ip();
        }
        return peer;
    }
    let chain = forwarded_for(headers).unwrap_or_else(|| x_forwarded_for(headers));
    let mut client = peer;
    for hop in chain.iter().rev() {
        let Some(hop) = hop else { break };
        client = *hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// A request forwarded by a proxy on this host while no proxy is trusted: every client then
/// has the proxy's address, and shares one throttle.
fn warn_once_shared_ip() {
    if !WARNED_UNTRUSTED_PROXY.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "a request from a loopback peer carries X-Forwarded-For but trusted_proxies is empty: \
             every client is seen with the proxy's IP and shares its sign-in throttle; set \
             trusted_proxies to the proxy's address"
        );
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The hops of every `X-Forwarded-For` header, left to right; `None` for one that is not an
/// IP address (the chain cannot be trusted past it).
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("?").split(','))
        .map(|hop| hop.trim().parse().ok().map(canonical))
        .collect()
}

/// The `for=` nodes of every `Forwarded` header (RFC 7239 §4, §6), left to right, or `None`
/// when there is no such header. Obfuscated and unknown nodes are `None`.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values: Vec<_> = headers.get_all("forwarded").iter().collect();
    if values.is_empty() {
        return None;
    }
    let nodes = values
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("for=?").split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| node_ip(value.trim().trim_matches('"')))
            })
        })
        .collect();
    Some(nodes)
}

/// The address of a `Forwarded` node (RFC 7239 §6): `192.0.2.1`, `192.0.2.1:80`,
/// `[2001:db8::1]` or `[2001:db8::1]:80`.
fn node_ip(node: &str) -> Option<IpAddr> {
    let host = match node.strip_prefix('[') {
        Some(rest) => rest.split(']').next()?,
        None => node.split(':').next()?,
    };
    host.parse().ok().map(canonical)
}

/// The throttle's name for an address: IPv4 as is, IPv6 by its /64, the block one
/// subscriber usually gets (RFC 6177), so an attacker cannot rotate through its addresses.
pub fn throttle_group(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            IpNet::new(IpAddr::V6(v6), 64).map_or_else(|_| v6.to_string(), |net| net.trunc().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn peer(s: &str) -> SocketAddr {
        SocketAddr::new(ip(s), 4000)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let spoof = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")]);
        assert_eq!(client_ip(peer("198.51.100.7"), &spoof, &[]), ip("198.51.100.7"));
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(client_ip(peer("198.51.100.7"), &spoof, &trusted), ip("198.51.100.7"));
    }

    #[test]
    fn a_trusted_proxy_gives_the_right_most_untrusted_hop() {
        let trusted = ["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9"), ("x-forwarded-for", "10.1.1.1")]);
        assert_eq!(client_ip(peer("127.0.0.1"), &chain, &trusted), ip("203.0.113.9"));
        // Only trusted hops: the left-most of them.
        let inner = headers(&[("x-forwarded-for", "10.2.2.2, 10.1.1.1")]);
        assert_eq!(client_ip(peer("127.0.0.1"), &inner, &trusted), ip("10.2.2.2"));
        // No header: the proxy itself.
        assert_eq!(client_ip(peer("10.0.0.5"), &HeaderMap::new(), &trusted), ip("10.0.0.5"));
        // A hop that is not an address stops the walk at the last good one.
        let garbage = headers(&[("x-forwarded-for", "203.0.113.9, junk, 10.1.1.1")]);
        assert_eq!(client_ip(peer("127.0.0.1"), &garbage, &trusted), ip("10.1.1.1"));
    }

    #[test]
    fn forwarded_is_preferred_and_parsed_per_rfc_7239() {
        let trusted = ["127.0.0.1/32".parse().unwrap()];
        let both = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=192.0.2.60;proto=https, For=\"[2001:db8:cafe::17]:4711\""),
        ]);
        assert_eq!(client_ip(peer("127.0.0.1"), &both, &trusted), ip("2001:db8:cafe::17"));
        let v4_port = headers(&[("forwarded", "for=\"192.0.2.43:47011\"")]);
        assert_eq!(client_ip(peer("::ffff:127.0.0.1"), &v4_port, &trusted), ip("192.0.2.43"));
        let hidden = headers(&[("forwarded", "for=192.0.2.1, for=_hidden")]);
        assert_eq!(client_ip(peer("127.0.0.1"), &hidden, &trusted), ip("127.0.0.1"));
    }

    #[test]
    fn ipv6_is_throttled_by_its_slash_64() {
        assert_eq!(throttle_group(ip("2001:db8:1:2:aaaa::1")), throttle_group(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(throttle_group(ip("2001:db8:1:2::1")), throttle_group(ip("2001:db8:1:3::1")));
        assert_eq!(throttle_group(ip("192.0.2.1")), "192.0.2.1");
        assert_eq!(throttle_group(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
    }
}
