//! Who the client of a request is, for per-address limits: the peer
//! address, unless the peer is a trusted proxy, in which case
//! `X-Forwarded-For` names the client. An untrusted peer's
//! `X-Forwarded-For` is ignored: anyone can send one.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use actix_web::http::header::HeaderMap;

/// An address or a CIDR range (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct AddrRange {
    network: IpAddr,
    prefix: u8,
}

impl AddrRange {
    /// Whether `addr` is in the range (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                masked(u32::from(net).into(), 32, self.prefix)
                    == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                masked(u128::from(net), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// The top `prefix` bits of a `bits`-wide address.
fn masked(addr: u128, bits: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        addr >> (bits - prefix)
    }
}

impl FromStr for AddrRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let shown: String = s.chars().take(60).collect();
        let bad = || format!("`{shown}` is not an IP address or a CIDR range (such as 10.0.0.0/8)");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let network = addr.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(bad)?,
        };
        Ok(Self { network, prefix })
    }
}

impl TryFrom<String> for AddrRange {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed. Empty by default: the
/// peer address is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<AddrRange>);

impl TrustedProxies {
    /// Believe the proxies in these ranges.
    pub fn new(ranges: Vec<AddrRange>) -> Self {
        Self(ranges)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(addr))
    }

    /// The client of a request from `peer` with these headers: walking
    /// `X-Forwarded-For` from the right (the entry the nearest proxy
    /// added) past trusted proxies, the first other address. An entry that
    /// is not an address ends the walk at the last trusted hop.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        // A request without a peer (not over TCP) shares one bucket.
        let mut client = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.to_canonical());
        if self.0.is_empty() || !self.trusts(client) {
            return client;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for entry in forwarded.iter().rev() {
            let Ok(addr) = entry.parse::<IpAddr>() else {
                break;
            };
            client = addr.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// The bucket a client address is counted in: an IPv6 client is its /64
/// (one subscriber's allocation), so it cannot dodge a limit by walking
/// through its own addresses.
pub(crate) fn bucket(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let r: AddrRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains(ip("10.1.2.3")));
        assert!(r.contains(ip("::ffff:10.1.2.3")));
        assert!(!r.contains(ip("11.0.0.1")));
        let one: AddrRange = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: AddrRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: AddrRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["", "10.0.0.0/33", "example.com", "10.0.0.0/x", "::/129"] {
            let err = bad.parse::<AddrRange>().unwrap_err();
            assert!(err.contains("CIDR"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = TrustedProxies::default();
        let h = forwarded(&["198.51.100.1"]);
        assert_eq!(none.client(Some(ip("203.0.113.9")), &h), ip("203.0.113.9"));
        let some = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(some.client(Some(ip("203.0.113.9")), &h), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_forwards_the_client() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let peer = Some(ip("10.0.0.2"));
        // The client's own claim on the left is not believed past an
        // untrusted hop.
        let h = forwarded(&["1.1.1.1, 198.51.100.1", "10.0.0.3"]);
        assert_eq!(proxies.client(peer, &h), ip("198.51.100.1"));
        // Without the header, or with junk in it, the proxy is the client.
        assert_eq!(proxies.client(peer, &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(
            proxies.client(peer, &forwarded(&["nonsense"])),
            ip("10.0.0.2")
        );
        // Every hop trusted: the leftmost is the client.
        assert_eq!(
            proxies.client(peer, &forwarded(&["10.9.9.9, 10.0.0.3"])),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("2001:db8:1:2:bbbb::9")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(bucket(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
