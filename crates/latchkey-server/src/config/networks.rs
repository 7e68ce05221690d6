//! Lists of networks in the configuration (`trusted_proxies`): a TOML array in the file, or
//! one comma-separated string from the environment or a flag ("10.0.0.0/8, 127.0.0.1"). A
//! bare address is its own /32 or /128.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads one network the way an operator writes it.
pub fn parse(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is not an IP address or a CIDR network such as 10.0.0.0/8"))
}

pub fn serialize<S: Serializer>(networks: &[IpNet], serializer: S) -> Result<S::Ok, S::Error> {
    networks.iter().map(ToString::to_string).collect::<Vec<_>>().serialize(serializer)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Joined(String),
    List(Vec<String>),
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    let items = match Written::deserialize(deserializer)? {
        Written::Joined(joined) => {
            joined.split(',').filter(|s| !s.trim().is_empty()).map(str::to_owned).collect()
        }
        Written::List(list) => list,
    };
    items.iter().map(|item| parse(item)).collect::<Result<_, _>>().map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_networks() {
        assert_eq!(parse(" 127.0.0.1").unwrap(), "127.0.0.1/32".parse::<IpNet>().unwrap());
        assert_eq!(parse("2001:db8::/48").unwrap(), "2001:db8::/48".parse::<IpNet>().unwrap());
        assert!(parse("proxy.local").is_err());
    }
}
