//! Which destination addresses Patchbay may call.
//!
//! Every address is judged twice over: once as it is, and once for any IPv4
//! address it embeds (IPv4-mapped, IPv4-compatible, 6to4, NAT64), so that a
//! forbidden IPv4 cannot be reached through an IPv6 spelling of it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::cidr::IpCidr;
use crate::error::OutboundError;

const LOOPBACK: &str = "loopback address";
const PRIVATE: &str = "private network address (RFC 1918)";
const LINK_LOCAL: &str = "link-local address (includes cloud metadata endpoints)";
const CGNAT: &str = "carrier-grade NAT shared address (100.64.0.0/10)";
const THIS_NETWORK: &str = "unspecified or \"this network\" address (0.0.0.0/8)";
const MULTICAST: &str = "multicast address";
const BROADCAST: &str = "broadcast address";
const RESERVED: &str = "reserved address";
const DOCUMENTATION: &str = "documentation address";
const BENCHMARKING: &str = "benchmarking address";
const IETF: &str = "IETF protocol assignment address (192.0.0.0/24)";
const V6_UNSPECIFIED: &str = "unspecified IPv6 address";
const V6_UNIQUE_LOCAL: &str = "unique-local IPv6 address (fc00::/7)";
const V6_SITE_LOCAL: &str = "site-local IPv6 address (fec0::/10)";
const V6_COMPAT: &str = "deprecated IPv4-compatible IPv6 address";
const V6_LOCAL_NAT64: &str = "local-use NAT64 address (64:ff9b:1::/48)";
const V6_DISCARD: &str = "discard-only IPv6 address (100::/64)";
const V6_TEREDO: &str = "Teredo tunnelling address (2001::/32)";

fn v4_in(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v6_in(ip: Ipv6Addr, net: Ipv6Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    u128::from(ip) & mask == u128::from(net) & mask
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    const RULES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, THIS_NETWORK),
        ([10, 0, 0, 0], 8, PRIVATE),
        ([100, 64, 0, 0], 10, CGNAT),
        ([127, 0, 0, 0], 8, LOOPBACK),
        ([169, 254, 0, 0], 16, LINK_LOCAL),
        ([172, 16, 0, 0], 12, PRIVATE),
        ([192, 0, 0, 0], 24, IETF),
        ([192, 0, 2, 0], 24, DOCUMENTATION),
        // Former 6to4 relay anycast (deprecated by RFC 7526).
        ([192, 88, 99, 0], 24, RESERVED),
        ([192, 168, 0, 0], 16, PRIVATE),
        ([198, 18, 0, 0], 15, BENCHMARKING),
        ([198, 51, 100, 0], 24, DOCUMENTATION),
        ([203, 0, 113, 0], 24, DOCUMENTATION),
        ([224, 0, 0, 0], 4, MULTICAST),
        ([255, 255, 255, 255], 32, BROADCAST),
        ([240, 0, 0, 0], 4, RESERVED),
    ];
    RULES
        .iter()
        .find(|(net, prefix, _)| v4_in(ip, *net, *prefix))
        .map(|(_, _, reason)| *reason)
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it:
/// IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, 6to4
/// `2002:AABB:CCDD::/48` and well-known NAT64 `64:ff9b::a.b.c.d`.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low32 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && u128::from(ip) > 1 {
        return Some(low32);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(low32);
    }
    None
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some(V6_UNSPECIFIED);
    }
    if ip.is_loopback() {
        return Some(LOOPBACK);
    }
    if let Some(v4) = embedded_ipv4(ip) {
        if let Some(reason) = v4_reason(v4) {
            return Some(reason);
        }
        let s = ip.segments();
        // `::a.b.c.d` is deprecated and routes nowhere useful: refuse it even
        // when the IPv4 part is public.
        if s[..6] == [0, 0, 0, 0, 0, 0] {
            return Some(V6_COMPAT);
        }
        // Mapped and well-known NAT64 forms of a public IPv4 are public.
        if s[0] != 0x2002 {
            return None;
        }
    }
    let s = ip.segments();
    let rules: &[(Ipv6Addr, u32, &str)] = &[
        (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, LINK_LOCAL),
        (
            Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
            10,
            V6_SITE_LOCAL,
        ),
        (
            Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
            7,
            V6_UNIQUE_LOCAL,
        ),
        (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, MULTICAST),
        (
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
            32,
            DOCUMENTATION,
        ),
        (
            Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
            20,
            DOCUMENTATION,
        ),
        (
            Ipv6Addr::new(0x2001, 0x2, 0, 0, 0, 0, 0, 0),
            48,
            BENCHMARKING,
        ),
        (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, V6_TEREDO),
        (
            Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
            48,
            V6_LOCAL_NAT64,
        ),
        (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, V6_DISCARD),
    ];
    if let Some((_, _, reason)) = rules.iter().find(|(net, p, _)| v6_in(ip, *net, *p)) {
        return Some(reason);
    }
    // Anything outside global unicast 2000::/3 is unassigned or special.
    if s[0] & 0xe000 != 0x2000 {
        return Some(RESERVED);
    }
    None
}

/// Why Patchbay may not call `ip`, or `None` when it is a public address.
/// Ignores the operator's allow-list: see [`AddressPolicy`] for that.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

/// The forbidden ranges plus the operator's allow-list of private networks.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<IpCidr>,
}

impl AddressPolicy {
    /// The forbidden ranges, less these networks the operator allows (e.g. a
    /// private network of its own receivers).
    pub fn new(allow_private_networks: Vec<IpCidr>) -> Self {
        Self {
            allow: allow_private_networks,
        }
    }

    fn allow_listed(&self, ip: IpAddr) -> bool {
        if self.allow.iter().any(|c| c.contains(ip)) {
            return true;
        }
        // `::ffff:127.0.0.1` is 127.0.0.1: an allowed IPv4 network covers it.
        match ip {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .is_some_and(|v4| self.allow.iter().any(|c| c.contains(IpAddr::V4(v4)))),
            IpAddr::V4(_) => false,
        }
    }

    /// `Err(reason)` when `ip` is forbidden and not allow-listed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), &'static str> {
        match forbidden_reason(ip) {
            Some(reason) if !self.allow_listed(ip) => Err(reason),
            _ => Ok(()),
        }
    }

    /// Scheme and literal-host check of a URL, before any DNS lookup.
    ///
    /// `url::Url` has already normalised the host, so `http://2130706433/`,
    /// `http://0177.0.0.1/`, `http://127.1/` and `http://0x7f000001/` all
    /// arrive here as `127.0.0.1`. Names under `localhost` are judged as
    /// loopback without a lookup; other names are judged when they are
    /// resolved, at connect time.
    pub fn check_url(&self, url: &Url) -> Result<(), OutboundError> {
        match url.scheme() {
            "http" | "https" => {}
            _ => {
                return Err(OutboundError::InvalidUrl {
                    reason: "only http and https URLs are allowed",
                });
            }
        }
        let blocked = |reason| OutboundError::Blocked { reason };
        match url.host() {
            None => Err(OutboundError::InvalidUrl {
                reason: "the URL has no host",
            }),
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)).map_err(blocked),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)).map_err(blocked),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if name.is_empty() {
                    return Err(OutboundError::InvalidUrl {
                        reason: "the URL has no host",
                    });
                }
                if name == "localhost" || name.ends_with(".localhost") {
                    let v4 = self.check_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
                    let v6 = self.check_ip(IpAddr::V6(Ipv6Addr::LOCALHOST));
                    // Refused unless every address it can mean is allowed.
                    return v4.and(v6).map_err(blocked);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect(s)
    }

    #[test]
    fn forbidden_ipv4() {
        for (addr, reason) in [
            ("0.0.0.0", THIS_NETWORK),
            ("0.1.2.3", THIS_NETWORK),
            ("127.0.0.1", LOOPBACK),
            ("127.255.255.254", LOOPBACK),
            ("10.0.0.1", PRIVATE),
            ("172.16.0.1", PRIVATE),
            ("172.31.255.255", PRIVATE),
            ("192.168.1.1", PRIVATE),
            ("169.254.169.254", LINK_LOCAL),
            ("100.64.0.1", CGNAT),
            ("100.127.255.255", CGNAT),
            ("192.0.0.8", IETF),
            ("192.0.2.1", DOCUMENTATION),
            ("198.51.100.7", DOCUMENTATION),
            ("203.0.113.9", DOCUMENTATION),
            ("198.18.0.1", BENCHMARKING),
            ("198.19.255.255", BENCHMARKING),
            ("224.0.0.1", MULTICAST),
            ("239.255.255.250", MULTICAST),
            ("240.0.0.1", RESERVED),
            ("255.255.255.255", BROADCAST),
        ] {
            assert_eq!(forbidden_reason(ip(addr)), Some(reason), "{addr}");
        }
    }

    #[test]
    fn public_ipv4_allowed() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "192.0.1.1",
            "223.255.255.255",
        ] {
            assert_eq!(forbidden_reason(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn forbidden_ipv6() {
        for (addr, reason) in [
            ("::", V6_UNSPECIFIED),
            ("::1", LOOPBACK),
            ("fe80::1", LINK_LOCAL),
            ("febf::1", LINK_LOCAL),
            ("fec0::1", V6_SITE_LOCAL),
            ("fc00::1", V6_UNIQUE_LOCAL),
            ("fd12:3456::1", V6_UNIQUE_LOCAL),
            ("ff02::1", MULTICAST),
            ("2001:db8::1", DOCUMENTATION),
            ("3fff::1", DOCUMENTATION),
            ("2001:2::1", BENCHMARKING),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", V6_TEREDO),
            ("100::1", V6_DISCARD),
            ("64:ff9b:1::a00:1", V6_LOCAL_NAT64),
            ("64:ff9b:1::808:808", V6_LOCAL_NAT64),
            ("4000::1", RESERVED),
            // Embedded forbidden IPv4 in every form that routes to it.
            ("::ffff:127.0.0.1", LOOPBACK),
            ("::ffff:7f00:1", LOOPBACK),
            ("::ffff:169.254.169.254", LINK_LOCAL),
            ("::ffff:10.0.0.1", PRIVATE),
            ("::127.0.0.1", LOOPBACK),
            ("::10.1.2.3", PRIVATE),
            ("::8.8.8.8", V6_COMPAT),
            ("2002:7f00:1::", LOOPBACK),
            ("2002:a9fe:a9fe::1", LINK_LOCAL),
            ("2002:c0a8:0101:1::1", PRIVATE),
            ("64:ff9b::127.0.0.1", LOOPBACK),
            ("64:ff9b::a9fe:a9fe", LINK_LOCAL),
            ("64:ff9b::192.168.0.1", PRIVATE),
        ] {
            assert_eq!(forbidden_reason(ip(addr)), Some(reason), "{addr}");
        }
    }

    #[test]
    fn public_ipv6_allowed() {
        for addr in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:830::200e",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "64:ff9b::8.8.8.8",
        ] {
            assert_eq!(forbidden_reason(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn allow_list_overrides() {
        let p = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(p.check_ip(ip("127.0.0.1")).is_ok());
        assert!(p.check_ip(ip("::ffff:127.0.0.1")).is_ok());
        assert_eq!(p.check_ip(ip("::1")), Err(LOOPBACK));
        assert_eq!(p.check_ip(ip("10.0.0.1")), Err(PRIVATE));
        assert!(p.check_ip(ip("8.8.8.8")).is_ok());
        let none = AddressPolicy::default();
        assert_eq!(none.check_ip(ip("127.0.0.1")), Err(LOOPBACK));
    }
}
