//! Address ranges of CDNs that proxy HTTP for their customers: a domain whose A/AAAA records point into
//! them is served through the CDN (Cloudflare's "orange cloud"), so the records do not show the origin
//! server and D702/D703 must not call them "elsewhere".
//!
//! Source: the ranges Cloudflare publishes at https://www.cloudflare.com/ips-v4 and /ips-v6 (checked
//! 2026-11); only Cloudflare is listed, the CDN most self-hosters put in front of a VPS.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const CLOUDFLARE_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(173, 245, 48, 0), 20),
    (Ipv4Addr::new(103, 21, 244, 0), 22),
    (Ipv4Addr::new(103, 22, 200, 0), 22),
    (Ipv4Addr::new(103, 31, 4, 0), 22),
    (Ipv4Addr::new(141, 101, 64, 0), 18),
    (Ipv4Addr::new(108, 162, 192, 0), 18),
    (Ipv4Addr::new(190, 93, 240, 0), 20),
    (Ipv4Addr::new(188, 114, 96, 0), 20),
    (Ipv4Addr::new(197, 234, 240, 0), 22),
    (Ipv4Addr::new(198, 41, 128, 0), 17),
    (Ipv4Addr::new(162, 158, 0, 0), 15),
    (Ipv4Addr::new(104, 16, 0, 0), 13),
    (Ipv4Addr::new(104, 24, 0, 0), 14),
    (Ipv4Addr::new(172, 64, 0, 0), 13),
    (Ipv4Addr::new(131, 0, 72, 0), 22),
];

const CLOUDFLARE_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0x2400, 0xcb00, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2606, 0x4700, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2803, 0xf800, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0xb500, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2405, 0x8100, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0x2a06, 0x98c0, 0, 0, 0, 0, 0, 0), 29),
    (Ipv6Addr::new(0x2c0f, 0xf248, 0, 0, 0, 0, 0, 0), 32),
];

/// The CDN an address belongs to, if it is one of the known proxying ranges.
pub fn cdn_of(ip: IpAddr) -> Option<&'static str> {
    let hit = match ip {
        IpAddr::V4(v4) => CLOUDFLARE_V4.iter().any(|(net, len)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
            u32::from(v4) & mask == u32::from(*net) & mask
        }),
        IpAddr::V6(v6) => CLOUDFLARE_V6.iter().any(|(net, len)| {
            let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
            u128::from(v6) & mask == u128::from(*net) & mask
        }),
    };
    hit.then_some("Cloudflare")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_ranges() {
        assert_eq!(cdn_of("104.21.3.4".parse().unwrap()), Some("Cloudflare"));
        assert_eq!(cdn_of("172.67.1.1".parse().unwrap()), Some("Cloudflare"));
        assert_eq!(cdn_of("2606:4700::6810:1".parse().unwrap()), Some("Cloudflare"));
        assert_eq!(cdn_of("203.0.113.10".parse().unwrap()), None);
        assert_eq!(cdn_of("104.32.0.1".parse().unwrap()), None);
    }
}
