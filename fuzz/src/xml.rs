//! `xml_parse`: arbitrary text through the domain and network parsers.
//!
//! Whatever parses must format, and the formatted text must parse again: the formatter may
//! never print something its own parser refuses. The one allowed exception is libvirt's:
//! a few values are printed without escaping (network domain, portgroup and DHCP host
//! names, `<ip family>`, virtualport `profileid`), so a value holding `<`, `&` or `'`
//! yields text that is not well-formed, exactly as libvirt's own output would be.

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::netdev::VirtualPort;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use oxvirt_conf::{FormatFlags, ParseCtx, SequenceGenerator};

/// Feeds `data` (when it is UTF-8) to both parsers; panics only on a real bug.
pub fn xml_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    domain_round_trip(text);
    network_round_trip(text);
}

fn domain_round_trip(text: &str) {
    let mut generator = SequenceGenerator::starting_at(1);
    let Ok(def) = DomainDef::parse_str(text, &mut ParseCtx::inactive(&mut generator)) else {
        return;
    };
    let out = def.to_xml(FormatFlags::INACTIVE, None);
    let again = DomainDef::parse_str(&out, &mut ParseCtx::inactive(&mut generator));
    if let Err(e) = again
        && !def.devices.interfaces.iter().any(net_prints_markup)
    {
        panic!("formatted domain does not parse again: {e}\n--- input\n{text}\n--- output\n{out}");
    }
}

fn network_round_trip(text: &str) {
    let mut generator = SequenceGenerator::starting_at(1);
    let Ok(def) = NetworkDef::parse_str(text, &mut generator) else {
        return;
    };
    let out = def.to_xml(NetworkFormatFlags::NONE);
    if let Err(e) = NetworkDef::parse_str(&out, &mut generator)
        && !network_prints_markup(&def)
    {
        panic!("formatted network does not parse again: {e}\n--- input\n{text}\n--- output\n{out}");
    }
}

/// A value that breaks the document when printed unescaped.
fn markup(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.contains(['<', '&', '\'']))
}

fn vport_markup(vp: Option<&VirtualPort>) -> bool {
    markup(vp.and_then(|v| v.profile_id.as_deref()))
}

fn net_prints_markup(net: &NetDef) -> bool {
    vport_markup(net.virtualport.as_ref())
        || vport_markup(net.actual.as_ref().and_then(|a| a.virtualport.as_ref()))
}

fn network_prints_markup(def: &NetworkDef) -> bool {
    let ips = def.ips.iter().any(|ip| {
        markup(ip.family.as_deref())
            || ip.hosts.iter().any(|h| {
                markup(h.mac.as_deref()) || markup(h.id.as_deref()) || markup(h.name.as_deref())
            })
    });
    let portgroups = def
        .portgroups
        .iter()
        .any(|pg| markup(Some(&pg.name)) || vport_markup(pg.virtualport.as_ref()));
    ips || portgroups
        || vport_markup(def.virtualport.as_ref())
        || markup(def.domain.as_ref().and_then(|d| d.name.as_deref()))
}
