//! A CIDR block (`127.0.0.0/8`, `::1/128`), used for the operator's
//! allow-list of private networks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An IPv4 or IPv6 network: an address and a prefix length. Host bits are
/// cleared on parsing, so `10.1.2.3/8` is `10.0.0.0/8`. A bare address is a
/// single-host network (`/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpCidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a CIDR string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR `{input}`: {problem}")]
pub struct CidrParseError {
    input: String,
    problem: &'static str,
}

fn mask_v4(addr: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let bits = u32::from(addr);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    Ipv4Addr::from(bits & mask)
}

fn mask_v6(addr: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let bits = u128::from(addr);
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    };
    Ipv6Addr::from(bits & mask)
}

impl IpCidr {
    /// A network from an address and a prefix length; `None` when the prefix
    /// is longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        match addr {
            IpAddr::V4(a) if prefix <= 32 => Some(Self {
                network: IpAddr::V4(mask_v4(a, prefix)),
                prefix,
            }),
            IpAddr::V6(a) if prefix <= 128 => Some(Self {
                network: IpAddr::V6(mask_v6(a, prefix)),
                prefix,
            }),
            _ => None,
        }
    }

    /// The network address (the host bits cleared).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length in bits.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// True when `ip` is inside this network. IPv4 and IPv6 never match each
    /// other here; the guard handles IPv4-mapped addresses itself.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => mask_v4(a, self.prefix) == net,
            (IpAddr::V6(net), IpAddr::V6(a)) => mask_v6(a, self.prefix) == net,
            _ => false,
        }
    }
}

impl FromStr for IpCidr {
    type Err = CidrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |problem| CidrParseError {
            input: s.to_string(),
            problem,
        };
        let t = s.trim();
        let (addr, prefix) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| err("not an IPv4 or IPv6 address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| err("prefix is not a number"))?
            }
            Some(_) => return Err(err("prefix is not a number")),
        };
        Self::new(addr, prefix).ok_or_else(|| err("prefix is longer than the address"))
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for IpCidr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpCidr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> IpCidr {
        s.parse().expect(s)
    }

    #[test]
    fn parses_and_normalises() {
        assert_eq!(c("127.0.0.0/8").to_string(), "127.0.0.0/8");
        assert_eq!(c("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(c("::1/128").to_string(), "::1/128");
        assert_eq!(c("fd00::1/8").to_string(), "fd00::/8");
        assert_eq!(c("192.168.1.7").to_string(), "192.168.1.7/32");
        assert_eq!(c("0.0.0.0/0").to_string(), "0.0.0.0/0");
        for bad in [
            "",
            "127.0.0.0/33",
            "::/129",
            "foo/8",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0/8",
        ] {
            assert!(bad.parse::<IpCidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn contains() {
        let lo = c("127.0.0.0/8");
        assert!(lo.contains("127.0.0.1".parse().unwrap()));
        assert!(lo.contains("127.255.255.255".parse().unwrap()));
        assert!(!lo.contains("128.0.0.1".parse().unwrap()));
        assert!(!lo.contains("::1".parse().unwrap()));
        assert!(c("::1/128").contains("::1".parse().unwrap()));
        assert!(c("0.0.0.0/0").contains("8.8.8.8".parse().unwrap()));
        assert!(c("fc00::/7").contains("fdff::1".parse().unwrap()));
    }

    #[test]
    fn serde_round_trip() {
        let v: Vec<IpCidr> = serde_json::from_str(r#"["127.0.0.0/8", "::1/128"]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["127.0.0.0/8","::1/128"]"#
        );
        assert!(serde_json::from_str::<IpCidr>(r#""nope""#).is_err());
    }
}
