//! `<route>` of a network: a static route whose gateway must be reachable through one of
//! the network's own `<ip>` subnets (checked by the network parser once all `<ip>`s are
//! known).

use super::addr::{format_addr, mask_by_prefix, mask_with, parse_addr};
use super::util::{internal, prop, prop_uint, xml_error};
use crate::ConfError;
use oxvirt_xml::XmlWriter;
use roxmltree::Node;
use std::net::IpAddr;

/// `<route family address netmask|prefix gateway metric/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRoute {
    /// `family` as written.
    pub family: Option<String>,
    /// Destination network address.
    pub address: IpAddr,
    /// `netmask` (IPv4).
    pub netmask: Option<IpAddr>,
    /// `prefix`, when given.
    pub prefix: Option<u32>,
    /// Next hop.
    pub gateway: IpAddr,
    /// `metric`, when given (never 0).
    pub metric: Option<u32>,
}

impl NetworkRoute {
    /// `virNetDevIPRouteParseXML`; `ctx` names the network in messages.
    pub(crate) fn parse(ctx: &str, node: Node<'_, '_>) -> Result<NetworkRoute, ConfError> {
        let family = prop(node, "family").map(str::to_owned);
        let address_s = prop(node, "address");
        let netmask_s = prop(node, "netmask");
        let gateway_s = prop(node, "gateway");
        let prefix = prop_uint(node, "prefix", 10, false)?;
        let metric = prop_uint(node, "metric", 10, true)?;

        let address_s = address_s.ok_or_else(|| {
            xml_error(format!(
                "{ctx}: Missing required address attribute in route definition"
            ))
        })?;
        let gateway_s = gateway_s.ok_or_else(|| {
            xml_error(format!(
                "{ctx}: Missing required gateway attribute in route definition"
            ))
        })?;
        let address = parse_addr(address_s, None).ok_or_else(|| {
            xml_error(format!(
                "{ctx}: Bad network address '{address_s}' in route definition"
            ))
        })?;
        let gateway = parse_addr(gateway_s, None).ok_or_else(|| {
            xml_error(format!(
                "{ctx}: Bad gateway address '{gateway_s}' in route definition"
            ))
        })?;
        let p = prefix.unwrap_or(0);
        let mut netmask = None;
        match family.as_deref() {
            None | Some("ipv4") => {
                let which = if family.is_none() {
                    "No family"
                } else {
                    "IPv4 family"
                };
                if !address.is_ipv4() {
                    return Err(xml_error(format!(
                        "{ctx}: {which} specified for non-IPv4 address '{address_s}' in route definition"
                    )));
                }
                if !gateway.is_ipv4() {
                    return Err(xml_error(format!(
                        "{ctx}: {which} specified for non-IPv4 gateway '{address_s}' in route definition"
                    )));
                }
                if let Some(m) = netmask_s {
                    let mask = parse_addr(m, None).ok_or_else(|| {
                        xml_error(format!(
                            "{ctx}: Bad netmask address '{m}' in route definition"
                        ))
                    })?;
                    if !mask.is_ipv4() {
                        return Err(xml_error(format!(
                            "{ctx}: Invalid netmask '{m}' for address '{address_s}' (both must be IPv4)"
                        )));
                    }
                    if prefix.is_some() {
                        return Err(xml_error(format!(
                            "{ctx}: Route definition cannot have both a prefix and a netmask"
                        )));
                    }
                    netmask = Some(mask);
                }
                if p > 32 {
                    return Err(xml_error(format!(
                        "{ctx}: Invalid prefix {p} specified in route definition, must be 0 - 32"
                    )));
                }
            }
            Some("ipv6") => {
                if !address.is_ipv6() {
                    return Err(xml_error(format!(
                        "{ctx}: ipv6 family specified for non-IPv6 address '{address_s}' in route definition"
                    )));
                }
                if netmask_s.is_some() {
                    return Err(xml_error(format!(
                        "{ctx}: Specifying netmask invalid for IPv6 address '{address_s}' in route definition"
                    )));
                }
                if !gateway.is_ipv6() {
                    return Err(xml_error(format!(
                        "{ctx}: ipv6 specified for non-IPv6 gateway address '{gateway_s}' in route definition"
                    )));
                }
                if p > 128 {
                    return Err(xml_error(format!(
                        "{ctx}: Invalid prefix {p} specified in route definition, must be 0 - 128"
                    )));
                }
            }
            Some(other) => {
                return Err(xml_error(format!(
                    "{ctx}: Unrecognized family '{other}' in route definition"
                )));
            }
        }
        // the destination must be a network address (host bits clear)
        let network = match &netmask {
            Some(m) => mask_with(&address, m),
            None => mask_by_prefix(&address, p as i32),
        }
        .ok_or_else(|| {
            internal(format!(
                "{ctx}: Error converting address '{address_s}' with prefix {p} to network-address in route definition"
            ))
        })?;
        if network != address {
            return Err(xml_error(format!(
                "{ctx}: Address '{address_s}' in route definition is not a network address"
            )));
        }
        Ok(NetworkRoute {
            family,
            address,
            netmask,
            prefix,
            gateway,
            metric,
        })
    }

    /// Writes `<route/>`.
    pub(crate) fn format(&self, w: &mut XmlWriter) {
        w.start("route")
            .attr_opt("family", self.family.as_deref())
            .attr("address", format_addr(&self.address))
            .attr_opt("netmask", self.netmask.as_ref().map(format_addr));
        if let Some(p) = self.prefix {
            w.attr_display("prefix", p);
        }
        w.attr("gateway", format_addr(&self.gateway));
        if let Some(m) = self.metric.filter(|m| *m > 0) {
            w.attr_display("metric", m);
        }
        w.end();
    }
}
