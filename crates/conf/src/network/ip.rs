//! `<ip>` of a network: address and netmask/prefix, `<tftp>`, and `<dhcp>` with ranges,
//! static hosts, leases and `<bootp>`.
//!
//! Parse reads the address first because every later check depends on its family
//! (hosts may only give a MAC on IPv4, `<tftp>` and `<bootp>` are IPv4-only, ranges must
//! lie inside the network). Format always writes `<ip …>` with a separate end tag, as
//! libvirt does, even when nothing is inside.

use super::addr::{self, format_addr, parse_addr};
use super::util::{
    Out, Val, internal, named_children, parse_mac, prop, prop_enum, prop_tristate, prop_uint,
    prop_ull, unsupported, xml_error, xp_attr, xp_child, yes_no,
};
use crate::ConfError;
use roxmltree::Node;
use std::net::IpAddr;

/// Unit of a DHCP lease time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaseUnit {
    /// `seconds`
    Seconds,
    /// `minutes` (the default)
    Minutes,
    /// `hours`
    Hours,
}

impl LeaseUnit {
    /// The `unit` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseUnit::Seconds => "seconds",
            LeaseUnit::Minutes => "minutes",
            LeaseUnit::Hours => "hours",
        }
    }
}

/// `<lease expiry unit/>`; `expiry == 0` is an infinite lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DhcpLease {
    /// `expiry`.
    pub expiry: u64,
    /// `unit`.
    pub unit: LeaseUnit,
}

/// `<range start end>` inside `<dhcp>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpRange {
    /// First address handed out.
    pub start: IpAddr,
    /// Last address handed out.
    pub end: IpAddr,
    /// Lease time for this range.
    pub lease: Option<DhcpLease>,
}

/// `<host>` inside `<dhcp>`: a static lease.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpHost {
    /// `mac`, exactly as written (libvirt prints it back unchanged).
    pub mac: Option<String>,
    /// `id` (DHCPv6 client id), as written.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `ip`.
    pub ip: Option<IpAddr>,
    /// Lease time for this host.
    pub lease: Option<DhcpLease>,
}

/// `<bootp file server/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootp {
    /// Boot file name.
    pub file: String,
    /// TFTP server, if not this host.
    pub server: Option<IpAddr>,
}

/// One `<ip>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkIp {
    /// `family` as written (`ipv4`, `ipv6`), printed back only when given.
    pub family: Option<String>,
    /// The host's address on the network.
    pub address: IpAddr,
    /// `netmask` (IPv4 only).
    pub netmask: Option<IpAddr>,
    /// `prefix`; 0 = not given.
    pub prefix: u32,
    /// `localPtr`.
    pub local_ptr: Option<bool>,
    /// `<tftp root>`.
    pub tftp_root: Option<String>,
    /// `<dhcp><range>`s.
    pub ranges: Vec<DhcpRange>,
    /// `<dhcp><host>`s.
    pub hosts: Vec<DhcpHost>,
    /// `<dhcp><bootp>` (IPv4 only).
    pub bootp: Option<Bootp>,
}

impl NetworkIp {
    /// Effective prefix length (`virNetworkIPDefPrefix`), `-1` when it cannot be known.
    pub fn effective_prefix(&self) -> i32 {
        addr::ip_prefix(Some(&self.address), self.netmask.as_ref(), self.prefix)
    }

    /// Reads one `<ip>` of network `net`.
    pub(crate) fn parse(net: &str, node: Node<'_, '_>) -> Result<NetworkIp, ConfError> {
        let family = xp_attr(node, "family").map(str::to_owned);
        let address_s = xp_attr(node, "address").ok_or_else(|| {
            xml_error(format!(
                "Missing required address attribute in network '{net}'"
            ))
        })?;
        let address = parse_addr(address_s, None).ok_or_else(|| {
            xml_error(format!("Invalid address '{address_s}' in network '{net}'"))
        })?;
        let netmask_s = xp_attr(node, "netmask");
        let netmask =
            match netmask_s {
                None => None,
                Some(m) => Some(parse_addr(m, None).ok_or_else(|| {
                    xml_error(format!("Invalid netmask '{m}' in network '{net}'"))
                })?),
            };
        let prefix = prop_uint(node, "prefix", 10, false)?.unwrap_or(0);
        let local_ptr = prop_tristate(node, "localPtr")?;

        match family.as_deref() {
            None | Some("ipv4") => {
                if !address.is_ipv4() {
                    return Err(unsupported(format!(
                        "{} family specified for non-IPv4 address '{address_s}' in network '{net}'",
                        if family.is_none() { "no" } else { "ipv4" }
                    )));
                }
                if let (Some(m), Some(ms)) = (&netmask, netmask_s) {
                    if !m.is_ipv4() {
                        return Err(unsupported(format!(
                            "Invalid netmask '{ms}' for address '{address_s}' in network '{net}' (both must be IPv4)"
                        )));
                    }
                    if prefix > 0 {
                        return Err(unsupported(format!(
                            "Network '{net}' IP address cannot have both a prefix and a netmask"
                        )));
                    }
                } else if prefix > 32 {
                    return Err(unsupported(format!(
                        "Invalid IPv4 prefix '{prefix}' in network '{net}'"
                    )));
                }
            }
            Some("ipv6") => {
                if !address.is_ipv6() {
                    return Err(unsupported(format!(
                        "Family 'ipv6' specified for non-IPv6 address '{address_s}' in network '{net}'"
                    )));
                }
                if netmask.is_some() {
                    return Err(unsupported(format!(
                        "netmask not allowed for IPv6 address '{address_s}' in network '{net}'"
                    )));
                }
                if prefix > 128 {
                    return Err(unsupported(format!(
                        "Invalid IPv6 prefix '{prefix}' in network '{net}'"
                    )));
                }
            }
            Some(other) => {
                return Err(xml_error(format!(
                    "Unrecognized family '{other}' in network '{net}'"
                )));
            }
        }

        let mut ip = NetworkIp {
            family,
            address,
            netmask,
            prefix,
            local_ptr,
            tftp_root: None,
            ranges: Vec::new(),
            hosts: Vec::new(),
            bootp: None,
        };
        if let Some(dhcp) = xp_child(node, "dhcp") {
            ip.parse_dhcp(net, dhcp)?;
        }
        if let Some(tftp) = xp_child(node, "tftp") {
            if !ip.address.is_ipv4() {
                return Err(unsupported(format!(
                    "Unsupported <tftp> element in an IPv6 element in network '{net}'"
                )));
            }
            ip.tftp_root = xp_attr(tftp, "root").map(str::to_owned);
        }
        Ok(ip)
    }

    fn parse_dhcp(&mut self, net: &str, dhcp: Node<'_, '_>) -> Result<(), ConfError> {
        for cur in dhcp.children().filter(|c| c.is_element()) {
            match cur.tag_name().name() {
                "range" => {
                    let range = self.parse_range(net, cur)?;
                    self.ranges.push(range);
                }
                "host" => {
                    let host = self.parse_host(net, cur, false)?;
                    self.hosts.push(host);
                }
                "bootp" if self.address.is_ipv4() => {
                    let Some(file) = prop(cur, "file") else {
                        continue;
                    };
                    let server = match prop(cur, "server") {
                        None => None,
                        Some(s) => Some(parse_addr(s, None).ok_or_else(|| bad_address(s))?),
                    };
                    self.bootp = Some(Bootp {
                        file: file.to_owned(),
                        server,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn parse_range(&self, net: &str, node: Node<'_, '_>) -> Result<DhcpRange, ConfError> {
        let start_s = prop(node, "start").ok_or_else(|| {
            xml_error(format!(
                "Missing 'start' attribute in dhcp range for network '{net}'"
            ))
        })?;
        let start = parse_addr(start_s, None).ok_or_else(|| bad_address(start_s))?;
        let end_s = prop(node, "end").ok_or_else(|| {
            xml_error(format!(
                "Missing 'end' attribute in dhcp range for network '{net}'"
            ))
        })?;
        let end = parse_addr(end_s, None).ok_or_else(|| bad_address(end_s))?;
        addr::check_range(&start, &end, Some((&self.address, self.effective_prefix())))
            .map_err(internal)?;
        Ok(DhcpRange {
            start,
            end,
            lease: parse_leases(node)?,
        })
    }

    /// `virNetworkDHCPHostDefParseXML`. `partial` is libvirt's `partialOkay`: a host given to
    /// `net-update` to delete or modify may name only some of its attributes.
    pub(crate) fn parse_host(
        &self,
        net: &str,
        node: Node<'_, '_>,
        partial: bool,
    ) -> Result<DhcpHost, ConfError> {
        let v6 = self.address.is_ipv6();
        let mac = prop(node, "mac");
        if let Some(mac) = mac {
            if v6 {
                return Err(xml_error(format!(
                    "Invalid to specify MAC address '{mac}' in network '{net}' IPv6 static host definition"
                )));
            }
            let parsed = parse_mac(mac).ok_or_else(|| {
                xml_error(format!(
                    "Cannot parse MAC address '{mac}' in network '{net}'"
                ))
            })?;
            if parsed[0] & 1 == 1 {
                return Err(xml_error(format!(
                    "expected unicast mac address, found multicast '{mac}' in network '{net}'"
                )));
            }
        }
        let id = prop(node, "id");
        let bad_id_char = id.and_then(|id| {
            id.chars()
                .find(|c| !(c.is_ascii_hexdigit() || *c == ':'))
                .map(|c| (id, c))
        });
        if let Some((id, bad)) = bad_id_char {
            return Err(xml_error(format!(
                "Invalid character '{bad}' in id '{id}' of network '{net}'"
            )));
        }
        let name = prop(node, "name");
        // a host name must start with a letter or digit
        if let Some(name) = name.filter(|n| {
            !n.as_bytes()
                .first()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        }) {
            return Err(xml_error(format!(
                "Cannot use host name '{name}' in network '{net}'"
            )));
        }
        let ip = match prop(node, "ip") {
            None => None,
            Some(s) => Some(parse_addr(s, None).ok_or_else(|| {
                xml_error(format!(
                    "Invalid IP address in static host definition for network '{net}'"
                ))
            })?),
        };
        if partial {
            if mac.is_none() && name.is_none() && ip.is_none() {
                return Err(xml_error(format!(
                    "At least one of name, mac, or ip attribute must be specified for static host definition in network '{net}' "
                )));
            }
        } else if v6 && id.is_none() && name.is_none() {
            return Err(xml_error(format!(
                "Static host definition in IPv6 network '{net}' must have id or name attribute"
            )));
        } else if !v6 && mac.is_none() && name.is_none() {
            return Err(xml_error(format!(
                "Static host definition in IPv4 network '{net}' must have mac or name attribute"
            )));
        } else if ip.is_none() {
            return Err(xml_error(format!(
                "Missing IP address in static host definition for network '{net}'"
            )));
        }
        Ok(DhcpHost {
            mac: mac.map(str::to_owned),
            id: id.map(str::to_owned),
            name: name.map(str::to_owned),
            ip,
            lease: parse_leases(node)?,
        })
    }

    /// Writes `<ip>` at the current depth of `out`.
    pub(crate) fn format(&self, out: &mut Out) {
        let address = format_addr(&self.address);
        let netmask = self.netmask.as_ref().map(format_addr);
        let prefix = self.prefix.to_string();
        let mut attrs = Vec::new();
        if let Some(f) = &self.family {
            attrs.push(("family", Val::Raw(f)));
        }
        attrs.push(("address", Val::Raw(&address)));
        if let Some(m) = &netmask {
            attrs.push(("netmask", Val::Raw(m)));
        }
        if self.prefix > 0 {
            attrs.push(("prefix", Val::Raw(&prefix)));
        }
        if let Some(l) = self.local_ptr {
            attrs.push(("localPtr", Val::Raw(yes_no(l))));
        }
        out.open("ip", &attrs);
        if let Some(root) = &self.tftp_root {
            out.empty("tftp", &[("root", Val::Esc(root))]);
        }
        if !(self.ranges.is_empty() && self.hosts.is_empty()) {
            out.open("dhcp", &[]);
            for r in &self.ranges {
                let start = format_addr(&r.start);
                let end = format_addr(&r.end);
                let attrs = [("start", Val::Raw(&start)), ("end", Val::Raw(&end))];
                with_lease(out, "range", &attrs, r.lease.as_ref());
            }
            for h in &self.hosts {
                let ip = h.ip.as_ref().map(format_addr);
                // libvirt prints mac, id and name unescaped
                let attrs: Vec<(&str, Val<'_>)> = [
                    ("mac", h.mac.as_deref()),
                    ("id", h.id.as_deref()),
                    ("name", h.name.as_deref()),
                    ("ip", ip.as_deref()),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, Val::Raw(v))))
                .collect();
                with_lease(out, "host", &attrs, h.lease.as_ref());
            }
            if let Some(b) = &self.bootp {
                let server = b.server.as_ref().map(format_addr);
                let mut attrs = vec![("file", Val::Esc(&b.file))];
                if let Some(s) = &server {
                    attrs.push(("server", Val::Esc(s)));
                }
                out.empty("bootp", &attrs);
            }
            out.close("dhcp");
        }
        out.close("ip");
    }
}

/// `<tag …/>`, or `<tag …>` with a `<lease>` child.
fn with_lease(out: &mut Out, tag: &str, attrs: &[(&str, Val<'_>)], lease: Option<&DhcpLease>) {
    let Some(l) = lease else {
        out.empty(tag, attrs);
        return;
    };
    out.open(tag, attrs);
    let expiry = l.expiry.to_string();
    if l.expiry == 0 {
        out.empty("lease", &[("expiry", Val::Raw(&expiry))]);
    } else {
        out.empty(
            "lease",
            &[
                ("expiry", Val::Raw(&expiry)),
                ("unit", Val::Raw(l.unit.as_str())),
            ],
        );
    }
    out.close(tag);
}

/// libvirt reports an unparsable address through `getaddrinfo`'s message, as
/// `VIR_ERR_SYSTEM_ERROR` (its socket address parser).
pub(crate) fn bad_address(s: &str) -> ConfError {
    ConfError::SystemError(format!(
        "Cannot parse socket address '{s}': Name or service not known"
    ))
}

/// Every `<lease>` child is read; the last one wins, as in libvirt.
fn parse_leases(node: Node<'_, '_>) -> Result<Option<DhcpLease>, ConfError> {
    let mut lease = None;
    for l in named_children(node, "lease") {
        let Some(expiry) = prop_ull(l, "expiry", 0)? else {
            continue;
        };
        let unit = prop_enum(
            l,
            "unit",
            &[
                ("seconds", LeaseUnit::Seconds),
                ("minutes", LeaseUnit::Minutes),
                ("hours", LeaseUnit::Hours),
            ],
        )?
        .unwrap_or(LeaseUnit::Minutes);
        // dnsmasq's minimum lease time is two minutes; 0 means infinite
        if expiry > 0
            && ((unit == LeaseUnit::Seconds && expiry < 120)
                || (unit == LeaseUnit::Minutes && expiry < 2))
        {
            return Err(unsupported(
                "The minimum lease time should be greater than 2 minutes",
            ));
        }
        lease = Some(DhcpLease { expiry, unit });
    }
    Ok(lease)
}
