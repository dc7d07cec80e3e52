//! `<dns>` of a network: enable/forwardPlainNames switches, upstream `<forwarder>`s, and
//! the `<txt>`, `<srv>` and `<host>` records dnsmasq serves.
//!
//! Records are validated as libvirt validates them (character sets, port ranges, SRV
//! numbers only with a target) and a disabled DNS (`enable='no'`) may hold nothing.
//! Format order is fixed: forwarders, txt, srv, host — whatever the input order.

use super::addr::{format_addr, parse_addr};
use super::util::{
    Out, prop, prop_tristate, string_value, to_ui, xml_detail, xml_error, xp_children, yes_no,
};
use crate::ConfError;
use roxmltree::Node;
use std::net::IpAddr;

/// Longest SRV service name libvirt accepts (512 bytes minus record overhead).
const DNS_RECORD_LENGTH_SRV: usize = 512 - 30;

/// Characters of an SRV `protocol`.
fn is_protocol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '/')
}

/// Characters of an SRV `service`.
fn is_service_char(c: char) -> bool {
    is_protocol_char(c) || matches!(c, '_' | '*')
}

/// `<forwarder domain addr/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsForwarder {
    /// Only queries for this domain go to `addr`.
    pub domain: Option<String>,
    /// Upstream server.
    pub addr: Option<IpAddr>,
}

/// `<txt name value/>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsTxt {
    /// Record name.
    pub name: String,
    /// Record text.
    pub value: String,
}

/// `<host ip><hostname>…</hostname></host>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsHost {
    /// The address the names resolve to.
    pub ip: IpAddr,
    /// The names.
    pub names: Vec<String>,
}

/// `<srv service protocol domain target port priority weight/>`; numbers are 0 when not
/// given (libvirt does not print zeros).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsSrv {
    /// Service name.
    pub service: String,
    /// Protocol (`tcp`, `udp`, …).
    pub protocol: String,
    /// Domain.
    pub domain: Option<String>,
    /// Target host.
    pub target: Option<String>,
    /// Port.
    pub port: u32,
    /// Priority.
    pub priority: u32,
    /// Weight.
    pub weight: u32,
}

/// `<dns>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkDns {
    /// `enable`.
    pub enable: Option<bool>,
    /// `forwardPlainNames`.
    pub forward_plain_names: Option<bool>,
    /// `<forwarder>`s.
    pub forwarders: Vec<DnsForwarder>,
    /// `<txt>` records.
    pub txts: Vec<DnsTxt>,
    /// `<host>` records.
    pub hosts: Vec<DnsHost>,
    /// `<srv>` records.
    pub srvs: Vec<DnsSrv>,
}

impl NetworkDns {
    /// `true` when libvirt would print nothing for it.
    pub fn is_empty(&self) -> bool {
        self.enable.is_none()
            && self.forward_plain_names.is_none()
            && self.forwarders.is_empty()
            && self.txts.is_empty()
            && self.hosts.is_empty()
            && self.srvs.is_empty()
    }

    /// Reads `<dns>` of network `net`.
    pub(crate) fn parse(net: &str, node: Node<'_, '_>) -> Result<NetworkDns, ConfError> {
        let mut dns = NetworkDns {
            enable: prop_tristate(node, "enable")?,
            forward_plain_names: prop_tristate(node, "forwardPlainNames")?,
            ..NetworkDns::default()
        };
        for f in xp_children(node, "forwarder") {
            let addr = match prop(f, "addr") {
                None => None,
                Some(a) => Some(parse_addr(a, None).ok_or_else(|| {
                    xml_error(format!(
                        "Invalid forwarder IP address '{a}' in network '{net}'"
                    ))
                })?),
            };
            let domain = prop(f, "domain").map(str::to_owned);
            if addr.is_none() && domain.is_none() {
                return Err(xml_error(
                    "Invalid forwarder element, must contain at least one of addr or domain",
                ));
            }
            dns.forwarders.push(DnsForwarder { domain, addr });
        }
        for h in xp_children(node, "host") {
            dns.hosts.push(parse_host(net, h)?);
        }
        for s in xp_children(node, "srv") {
            dns.srvs.push(parse_srv(net, s)?);
        }
        for t in xp_children(node, "txt") {
            dns.txts.push(parse_txt(net, t)?);
        }
        if dns.enable == Some(false)
            && !(dns.forwarders.is_empty()
                && dns.hosts.is_empty()
                && dns.srvs.is_empty()
                && dns.txts.is_empty())
        {
            return Err(xml_error(format!("Extra data in disabled network '{net}'")));
        }
        Ok(dns)
    }

    /// Writes `<dns>` (nothing when empty) at the current depth of `out`.
    pub(crate) fn format(&self, out: &mut Out) {
        if self.is_empty() {
            return;
        }
        out.frag(|w| {
            w.start("dns")
                .attr_opt("enable", self.enable.map(yes_no))
                .attr_opt("forwardPlainNames", self.forward_plain_names.map(yes_no));
            for f in &self.forwarders {
                w.start("forwarder")
                    .attr_opt("domain", f.domain.as_deref())
                    .attr_opt("addr", f.addr.as_ref().map(format_addr))
                    .end();
            }
            for t in &self.txts {
                w.start("txt")
                    .attr("name", &t.name)
                    .attr("value", &t.value)
                    .end();
            }
            for s in &self.srvs {
                w.start("srv")
                    .attr("service", &s.service)
                    .attr("protocol", &s.protocol)
                    .attr_opt("domain", s.domain.as_deref())
                    .attr_opt("target", s.target.as_deref());
                for (k, v) in [
                    ("port", s.port),
                    ("priority", s.priority),
                    ("weight", s.weight),
                ] {
                    if v != 0 {
                        w.attr_display(k, v);
                    }
                }
                w.end();
            }
            for h in &self.hosts {
                w.start("host").attr("ip", format_addr(&h.ip));
                for n in &h.names {
                    w.text_element("hostname", n);
                }
                w.end();
            }
            w.end();
        });
    }
}

fn parse_host(net: &str, node: Node<'_, '_>) -> Result<DnsHost, ConfError> {
    let ip_s = prop(node, "ip").ok_or_else(|| {
        xml_detail(format!(
            "Missing IP address in network '{net}' DNS HOST record"
        ))
    })?;
    let ip = parse_addr(ip_s, None).ok_or_else(|| {
        xml_detail(format!(
            "Invalid IP address in network '{net}' DNS HOST record"
        ))
    })?;
    let mut names = Vec::new();
    for h in node
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "hostname")
    {
        // an element without any child node is skipped, an empty text is an error
        if h.first_child().is_none() {
            continue;
        }
        let name = string_value(h);
        if name.is_empty() {
            return Err(xml_detail(format!(
                "Missing hostname in network '{net}' DNS HOST record"
            )));
        }
        names.push(name);
    }
    if names.is_empty() {
        return Err(xml_detail(format!(
            "Missing hostname in network '{net}' DNS HOST record"
        )));
    }
    Ok(DnsHost { ip, names })
}

/// An SRV number: absent/empty is `Ok(None)`, unparsable is `Err(())`.
fn srv_number(node: Node<'_, '_>, name: &str) -> Result<Option<u32>, ()> {
    match prop(node, name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => to_ui(v, 10).map(Some).ok_or(()),
    }
}

fn parse_srv(net: &str, node: Node<'_, '_>) -> Result<DnsSrv, ConfError> {
    let service = prop(node, "service").ok_or_else(|| {
        xml_detail(format!(
            "missing required service attribute in DNS SRV record of network '{net}'"
        ))
    })?;
    if service.len() > DNS_RECORD_LENGTH_SRV {
        return Err(xml_detail(format!(
            "service attribute '{service}' in network '{net}' is too long, limit is {DNS_RECORD_LENGTH_SRV} bytes"
        )));
    }
    if !service.chars().all(is_service_char) {
        return Err(xml_detail(format!(
            "invalid character in service attribute '{service}' in DNS SRV record of network '{net}'"
        )));
    }
    let protocol = prop(node, "protocol").ok_or_else(|| {
        xml_detail(format!(
            "missing required protocol attribute in DNS SRV record '{service}' of network '{net}'"
        ))
    })?;
    if !protocol.chars().all(is_protocol_char) {
        return Err(xml_detail(format!(
            "invalid character in protocol attribute '{protocol}' in DNS SRV record of network '{net}'"
        )));
    }
    let domain = prop(node, "domain").map(str::to_owned);
    let target = prop(node, "target").map(str::to_owned);

    let mut numbers = [0u32; 3];
    for (slot, (name, max, bad)) in numbers.iter_mut().zip([
        ("port", 65535, "invalid"),
        ("priority", 65535, "Invalid"),
        ("weight", 65535, "invalid"),
    ]) {
        let value = srv_number(node, name);
        if matches!(value, Ok(Some(_))) && target.is_none() {
            return Err(xml_detail(format!(
                "DNS SRV {name} attribute not permitted without target for service '{service}' in network '{net}'"
            )));
        }
        let too_small = name == "port" && matches!(value, Ok(Some(0)));
        match value {
            Err(()) => {}
            Ok(Some(v)) if v <= max && !too_small => {
                *slot = v;
                continue;
            }
            Ok(None) => continue,
            Ok(Some(_)) => {}
        }
        return Err(xml_detail(format!(
            "{bad} DNS SRV {name} attribute for service '{service}' in network '{net}'"
        )));
    }
    let [port, priority, weight] = numbers;
    Ok(DnsSrv {
        service: service.to_owned(),
        protocol: protocol.to_owned(),
        domain,
        target,
        port,
        priority,
        weight,
    })
}

fn parse_txt(net: &str, node: Node<'_, '_>) -> Result<DnsTxt, ConfError> {
    let name = prop(node, "name").ok_or_else(|| {
        xml_detail(format!(
            "missing required name attribute in DNS TXT record of network {net}"
        ))
    })?;
    if name.contains([' ', ',']) {
        return Err(xml_detail(format!(
            "prohibited character in DNS TXT record name '{name}' of network {net}"
        )));
    }
    let value = prop(node, "value").ok_or_else(|| {
        xml_detail(format!(
            "missing required value attribute in DNS TXT record named '{name}' of network {net}"
        ))
    })?;
    Ok(DnsTxt {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}
