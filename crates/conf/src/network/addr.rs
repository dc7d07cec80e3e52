//! IP address handling with libvirt's (glibc's) exact spelling rules.
//!
//! libvirt parses addresses with `getaddrinfo(AI_NUMERICHOST)`, which accepts the
//! historic IPv4 shorthands of `inet_aton` (`10.1`, `0x0a.0.0.1`, octal `010.0.0.1`), and
//! prints them with `getnameinfo(NI_NUMERICHOST)`, whose IPv6 spelling differs from Rust's
//! `Display` for IPv4-compatible addresses (`::1.2.3.4`). The netmask and range helpers
//! mirror `virSocketAddrGetIPPrefix`, `virSocketAddrGetRange` and friends, including their
//! error texts, because they decide which DHCP ranges a network may have.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which address family a parse must produce (`AF_UNSPEC` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `AF_INET`
    V4,
}

/// `virSocketAddrParse(addr, s, family)`.
pub(crate) fn parse_addr(s: &str, family: Option<Family>) -> Option<IpAddr> {
    if let Some(v4) = inet_aton(s) {
        return Some(IpAddr::V4(v4));
    }
    if family == Some(Family::V4) {
        return None;
    }
    s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// glibc's strict `inet_aton`: one to four dot-separated numbers in C notation, the last
/// one filling the remaining bytes.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        nums.push(c_number(p)?);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|&n| n > 0xff) {
        return None;
    }
    let spare_bits = 8 * (4 - head.len() as u32);
    if spare_bits < 32 && *last >= (1u64 << spare_bits) {
        return None;
    }
    if *last > u64::from(u32::MAX) {
        return None;
    }
    let mut v: u32 = 0;
    for (i, &n) in head.iter().enumerate() {
        v |= (n as u32) << (24 - 8 * i as u32);
    }
    v |= *last as u32;
    Some(Ipv4Addr::from(v))
}

/// One `inet_aton` component: decimal, `0x` hex or leading-zero octal, digits only.
fn c_number(p: &str) -> Option<u64> {
    if p.is_empty() || !p.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        // "0x" alone is 0 for inet_aton
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .filter(|_| digits.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// `virSocketAddrFormat`: `inet_ntop` spelling.
pub(crate) fn format_addr(a: &IpAddr) -> String {
    match a {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let w = v6.segments();
            // glibc prints ::a.b.c.d when exactly the first six words are zero
            if w[..6].iter().all(|&x| x == 0) && w[6] != 0 {
                let o = v6.octets();
                format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15])
            } else {
                v6.to_string()
            }
        }
    }
}

fn bits(a: &IpAddr) -> (u128, u32) {
    match a {
        IpAddr::V4(v4) => (u128::from(u32::from(*v4)), 32),
        IpAddr::V6(v6) => (u128::from(*v6), 128),
    }
}

fn from_bits(v: u128, width: u32) -> IpAddr {
    if width == 32 {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(v))
    }
}

fn mask_of(prefix: u32, width: u32) -> u128 {
    let all = if width == 32 {
        u128::from(u32::MAX)
    } else {
        u128::MAX
    };
    if prefix == 0 {
        0
    } else {
        all & !all.checked_shr(prefix).unwrap_or(0)
    }
}

/// `virSocketAddrGetNumNetmaskBits`: the prefix length, `-1` if the mask has holes.
pub(crate) fn netmask_bits(mask: &IpAddr) -> i32 {
    let (v, width) = bits(mask);
    let ones = if width == 32 {
        (v as u32).leading_ones()
    } else {
        v.leading_ones()
    };
    if mask_of(ones, width) == v {
        ones as i32
    } else {
        -1
    }
}

/// `virSocketAddrGetIPPrefix`: explicit prefix, else the netmask's, else the classful
/// (IPv4) or `/64` (IPv6) default; `-1` when none applies.
pub(crate) fn ip_prefix(address: Option<&IpAddr>, netmask: Option<&IpAddr>, prefix: u32) -> i32 {
    if prefix > 0 {
        return prefix as i32;
    }
    if let Some(m) = netmask {
        return netmask_bits(m);
    }
    match address {
        Some(IpAddr::V4(v4)) => {
            let v = u32::from(*v4);
            if v == 0 {
                return 0;
            }
            let octet = (v >> 24) as u8;
            if octet & 0x80 == 0 {
                8
            } else if octet & 0xc0 == 0x80 {
                16
            } else if octet & 0xe0 == 0xc0 {
                24
            } else {
                -1
            }
        }
        Some(IpAddr::V6(v6)) => {
            if v6.is_unspecified() {
                0
            } else {
                64
            }
        }
        None => 0,
    }
}

/// `virSocketAddrMaskByPrefix`: `None` when the prefix is too long for the family.
pub(crate) fn mask_by_prefix(a: &IpAddr, prefix: i32) -> Option<IpAddr> {
    let (v, width) = bits(a);
    let p = u32::try_from(prefix).ok().filter(|p| *p <= width)?;
    Some(from_bits(v & mask_of(p, width), width))
}

/// `virSocketAddrMask`: `None` when the families differ.
pub(crate) fn mask_with(a: &IpAddr, mask: &IpAddr) -> Option<IpAddr> {
    let (v, w1) = bits(a);
    let (m, w2) = bits(mask);
    (w1 == w2).then(|| from_bits(v & m, w1))
}

/// `virSocketAddrGetRange`: checks a DHCP/NAT range (against its network when given) and
/// returns its size, or libvirt's message for `VIR_ERR_INTERNAL_ERROR`.
pub(crate) fn check_range(
    start: &IpAddr,
    end: &IpAddr,
    network: Option<(&IpAddr, i32)>,
) -> Result<u32, String> {
    let s = format_addr(start);
    let e = format_addr(end);
    if start.is_ipv4() != end.is_ipv4() {
        return Err(format!("mismatch of address family in range {s} - {e}"));
    }
    if let Some((net, prefix)) = network {
        let n = format_addr(net);
        if start.is_ipv4() != net.is_ipv4() {
            return Err(format!(
                "mismatch of address family in range {s} - {e} for network {n}"
            ));
        }
        let (nv, width) = bits(net);
        let p = match u32::try_from(prefix) {
            Ok(p) if p <= width => p,
            _ => {
                return Err(format!(
                    "bad prefix {prefix} for network {n} when  checking range {s} - {e}"
                ));
            }
        };
        let mask = mask_of(p, width);
        let (sv, _) = bits(start);
        let (ev, _) = bits(end);
        if sv & mask != nv & mask || ev & mask != nv & mask {
            return Err(format!(
                "range {s} - {e} is not entirely within network {n}/{prefix}"
            ));
        }
        if width == 32 {
            let netaddr = nv & mask;
            let broadcast = nv | (!mask & u128::from(u32::MAX));
            if sv == netaddr {
                return Err(format!(
                    "start of range {s} - {e} in network {n}/{prefix} is the network address"
                ));
            }
            if ev == broadcast {
                return Err(format!(
                    "end of range {s} - {e} in network {n}/{prefix} is the broadcast address"
                ));
            }
        }
    }
    match (start, end) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let (t1, t2) = (a.octets(), b.octets());
            if t1[..2] != t2[..2] {
                return Err(format!("range {s} - {e} is too large (> 65535)"));
            }
            let size =
                (i32::from(t2[2]) - i32::from(t1[2])) * 256 + (i32::from(t2[3]) - i32::from(t1[3]));
            if size < 0 {
                return Err(format!("range {s} - {e} is reversed "));
            }
            Ok(size as u32 + 1)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (t1, t2) = (a.segments(), b.segments());
            if t1[..7] != t2[..7] {
                return Err(format!("range {s} - {e} is too large (> 65535)"));
            }
            let size = i32::from(t2[7]) - i32::from(t1[7]);
            if size < 0 {
                return Err(format!("range {s} - {e} start larger than end"));
            }
            Ok(size as u32 + 1)
        }
        _ => Err(format!("mismatch of address family in range {s} - {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_addr_accepts_inet_aton_shorthand() {
        assert_eq!(
            parse_addr("10.1", None),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(
            parse_addr("010.0.0.1", None),
            Some(IpAddr::V4(Ipv4Addr::new(8, 0, 0, 1)))
        );
        assert!(parse_addr("256.1.1.1", None).is_none());
        assert!(parse_addr("2001:db8::1", Some(Family::V4)).is_none());
        assert!(parse_addr("", None).is_none());
    }

    #[test]
    fn test_format_addr_uses_glibc_compat_spelling() {
        let a: IpAddr = "::102:304".parse().unwrap();
        assert_eq!(format_addr(&a), "::1.2.3.4");
        let b: IpAddr = "2001:db8:ac10:fd01:0:0:1:20".parse().unwrap();
        assert_eq!(format_addr(&b), "2001:db8:ac10:fd01::1:20");
    }

    #[test]
    fn test_check_range_rejects_network_address() {
        let net: IpAddr = "192.168.1.1".parse().unwrap();
        let s: IpAddr = "192.168.1.0".parse().unwrap();
        let e: IpAddr = "192.168.1.10".parse().unwrap();
        assert!(check_range(&s, &e, Some((&net, 24))).is_err());
        let s2: IpAddr = "192.168.1.2".parse().unwrap();
        assert_eq!(check_range(&s2, &e, Some((&net, 24))), Ok(9));
    }

    #[test]
    fn test_netmask_bits_detects_holes() {
        assert_eq!(netmask_bits(&"255.255.255.0".parse().unwrap()), 24);
        assert_eq!(netmask_bits(&"255.0.255.0".parse().unwrap()), -1);
    }
}
