//! `virNetworkUpdate`: one command (add, delete, modify) applied to one section of a
//! network definition, from an XML fragment.
//!
//! The flow: [`update_section`] parses the fragment, picks the section and edits the
//! [`NetworkDef`] in place. The caller (a driver) works on a copy of each definition it
//! means to change and keeps the copy only when every edit succeeded, as libvirt does.
//!
//! Sections done so far: `ip-dhcp-host`. `bridge`, `domain` and `ip` are refused as libvirt
//! refuses them; the other sections are refused as not supported by oxvirt yet.

use super::util::{parse_mac, xml_error};
use super::{DhcpHost, NetworkDef};
use crate::ConfError;
use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use roxmltree::Node;
use std::net::IpAddr;

/// `virNetworkUpdateCommand`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateCommand {
    /// `VIR_NETWORK_UPDATE_COMMAND_MODIFY`
    Modify,
    /// `VIR_NETWORK_UPDATE_COMMAND_DELETE`
    Delete,
    /// `VIR_NETWORK_UPDATE_COMMAND_ADD_LAST`
    AddLast,
    /// `VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST`
    AddFirst,
}

impl UpdateCommand {
    /// The command a wire code names; `None` for 0 (`NONE`) and unknown codes.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Self::Modify),
            2 => Some(Self::Delete),
            3 => Some(Self::AddLast),
            4 => Some(Self::AddFirst),
            _ => None,
        }
    }
}

/// `VIR_NETWORK_SECTION_*` names, indexed by code (0 is `NONE`).
const SECTIONS: [&str; 13] = [
    "",
    "bridge",
    "domain",
    "ip",
    "ip-dhcp-host",
    "ip-dhcp-range",
    "forward",
    "forward-interface",
    "forward-pf",
    "portgroup",
    "dns-host",
    "dns-txt",
    "dns-srv",
];

/// `VIR_NETWORK_SECTION_IP_DHCP_HOST`.
const SECTION_IP_DHCP_HOST: u32 = 4;

/// Why an update was refused.
#[derive(Debug, thiserror::Error)]
pub enum NetworkUpdateError {
    /// The fragment does not parse or describes an invalid element.
    #[error(transparent)]
    Conf(#[from] ConfError),
    /// `VIR_ERR_OPERATION_INVALID`: the request does not fit the definition.
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// `VIR_ERR_OPERATION_UNSUPPORTED`: the section or command cannot be updated.
    #[error("Operation not supported: {0}")]
    OperationUnsupported(String),
}

impl NetworkUpdateError {
    /// libvirt's error for this refusal, reported from `domain`.
    pub fn to_vir(&self, domain: ErrorDomain) -> VirError {
        match self {
            Self::Conf(e) => e.to_vir(domain),
            Self::OperationInvalid(m) => VirError::new(ErrorNumber::OperationInvalid, domain, m),
            Self::OperationUnsupported(m) => {
                VirError::new(ErrorNumber::OperationUnsupported, domain, m)
            }
        }
    }
}

fn invalid(msg: impl Into<String>) -> NetworkUpdateError {
    NetworkUpdateError::OperationInvalid(msg.into())
}

/// `virNetworkDefUpdateSection`: applies `command` to `section` of `def` with the element
/// `xml`; `parent_index` picks the `<ip>` (−1: the one with DHCP, else the first).
pub fn update_section(
    def: &mut NetworkDef,
    command: u32,
    section: u32,
    parent_index: i32,
    xml: &str,
) -> Result<(), NetworkUpdateError> {
    let doc = oxvirt_xml::parse_document(xml)
        .map_err(|e| ConfError::from(e).in_document("network_update_xml", xml))?;
    let node = doc.root_element();
    let name = usize::try_from(section)
        .ok()
        .and_then(|i| SECTIONS.get(i))
        .filter(|s| !s.is_empty());
    match (section, name) {
        (SECTION_IP_DHCP_HOST, _) => update_dhcp_host(def, command, parent_index, node),
        (_, Some(name)) => Err(NetworkUpdateError::OperationUnsupported(format!(
            "can't update '{name}' section of network '{}'",
            def.name
        ))),
        (_, None) => Err(NetworkUpdateError::OperationUnsupported(
            "can't update unrecognized section of network".to_owned(),
        )),
    }
}

/// `virNetworkDefUpdateCheckElementName`.
fn check_element(def: &NetworkDef, node: Node<'_, '_>, want: &str) -> Result<(), ConfError> {
    let got = node.tag_name().name();
    if got == want {
        return Ok(());
    }
    Err(xml_error(format!(
        "unexpected element <{got}>, expecting <{want}>, while updating network '{}'",
        def.name
    )))
}

/// `virNetworkIPDefByIndex`: the `<ip>` whose DHCP list a request edits.
fn ip_by_index(def: &NetworkDef, parent_index: i32) -> Result<usize, NetworkUpdateError> {
    if let Ok(i) = usize::try_from(parent_index) {
        return (i < def.ips.len()).then_some(i).ok_or_else(|| {
            invalid(format!(
                "couldn't update dhcp host entry - no <ip> element found at index {i} in network '{}'",
                def.name
            ))
        });
    }
    let with_dhcp = def
        .ips
        .iter()
        .position(|ip| !ip.ranges.is_empty() || !ip.hosts.is_empty());
    let first_v4 = || def.ips.iter().position(|ip| ip.address.is_ipv4());
    let first_v6 = || def.ips.iter().position(|ip| ip.address.is_ipv6());
    with_dhcp
        .or_else(first_v4)
        .or_else(first_v6)
        .ok_or_else(|| {
            invalid(format!(
                "couldn't update dhcp host entry - no <ip> element found in network '{}'",
                def.name
            ))
        })
}

/// `virNetworkDefUpdateCheckMultiDHCP`: DHCP may live on one address per family only.
fn check_single_dhcp(def: &NetworkDef, idx: usize) -> Result<(), NetworkUpdateError> {
    let v4 = def.ips[idx].address.is_ipv4();
    let other = def.ips.iter().enumerate().any(|(i, ip)| {
        i != idx && ip.address.is_ipv4() == v4 && (!ip.ranges.is_empty() || !ip.hosts.is_empty())
    });
    if other {
        let family = if v4 { "IPv4" } else { "IPv6" };
        return Err(invalid(format!(
            "dhcp is supported only for a single {family} address on each network"
        )));
    }
    Ok(())
}

/// `virMacAddrCompare`: equal when both parse to the same address.
fn same_mac(a: &str, b: &str) -> bool {
    match (parse_mac(a), parse_mac(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

fn ip_text(ip: Option<&IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), IpAddr::to_string)
}

/// `virNetworkDefUpdateIPDHCPHost`.
fn update_dhcp_host(
    def: &mut NetworkDef,
    command: u32,
    parent_index: i32,
    node: Node<'_, '_>,
) -> Result<(), NetworkUpdateError> {
    let code = command;
    let command = UpdateCommand::from_code(code);
    let partial = command == Some(UpdateCommand::Delete);
    check_element(def, node, "host")?;
    let idx = ip_by_index(def, parent_index)?;
    let host = def.ips[idx].parse_host(&def.name, node, partial)?;
    let ip_v4 = def.ips[idx].address.is_ipv4();
    if !partial && host.ip.as_ref().is_some_and(|a| a.is_ipv4() != ip_v4) {
        return Err(invalid(
            "the address family of a host entry IP must match the address family of the dhcp element's parent",
        ));
    }
    // Any one of MAC, name or IP identifies an entry for modify and add.
    let same_entry = |h: &DhcpHost| {
        matches!((&host.mac, &h.mac), (Some(a), Some(b)) if same_mac(a, b))
            || (host.name.is_some() && host.name == h.name)
            || (host.ip.is_some() && host.ip == h.ip)
    };
    let unknown = |s: &Option<String>| s.clone().unwrap_or_else(|| "unknown".to_owned());
    // libvirt prints an absent name through printf's "(null)".
    let name_text = host.name.clone().unwrap_or_else(|| "(null)".to_owned());
    let net = def.name.clone();
    let position = def.ips[idx].hosts.iter().position(same_entry);
    if matches!(
        command,
        Some(UpdateCommand::AddFirst | UpdateCommand::AddLast)
    ) {
        check_single_dhcp(def, idx)?;
    }
    let hosts = &mut def.ips[idx].hosts;
    match command {
        Some(UpdateCommand::Modify) => {
            let Some(i) = position else {
                return Err(invalid(format!(
                    "couldn't locate an existing dhcp host entry with \"mac='{}'\" \"name='{name_text}'\" \"ip='{}'\" in network '{net}'",
                    unknown(&host.mac),
                    ip_text(host.ip.as_ref())
                )));
            };
            hosts[i] = host;
        }
        Some(cmd @ (UpdateCommand::AddFirst | UpdateCommand::AddLast)) => {
            if position.is_some() {
                return Err(invalid(format!(
                    "there is an existing dhcp host entry in network '{net}' that matches \"<host mac='{}' name='{name_text}' ip='{}'/>\"",
                    unknown(&host.mac),
                    ip_text(host.ip.as_ref())
                )));
            }
            let at = if cmd == UpdateCommand::AddFirst {
                0
            } else {
                hosts.len()
            };
            hosts.insert(at, host);
        }
        Some(UpdateCommand::Delete) => {
            // Every attribute the request gives must match.
            let matches = |h: &DhcpHost| {
                host.mac
                    .as_ref()
                    .is_none_or(|a| h.mac.as_ref().is_none_or(|b| same_mac(a, b)))
                    && host
                        .name
                        .as_ref()
                        .is_none_or(|n| h.name.as_ref() == Some(n))
                    && host.ip.is_none_or(|a| h.ip == Some(a))
            };
            let Some(i) = hosts.iter().position(matches) else {
                return Err(invalid(format!(
                    "couldn't locate a matching dhcp host entry in network '{net}'"
                )));
            };
            hosts.remove(i);
        }
        None => {
            return Err(NetworkUpdateError::OperationUnsupported(format!(
                "unrecognized network update command code {code}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::RandomGenerator;

    const NET: &str = "<network><name>default</name>\
        <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>\
        <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>\
        <range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";
    const HOST: &str = "<host mac='00:16:3e:77:e2:ed' name='foo' ip='192.168.122.10'/>";

    fn net() -> NetworkDef {
        NetworkDef::parse_str(NET, &mut RandomGenerator).expect("valid network")
    }

    #[test]
    fn test_update_section_add_last_appends_host() {
        let mut def = net();

        update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, HOST).expect("added");

        assert_eq!(def.ips[0].hosts[0].name.as_deref(), Some("foo"));
    }

    #[test]
    fn test_update_section_add_duplicate_is_refused() {
        let mut def = net();
        update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, HOST).expect("added");

        let e = update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, HOST).unwrap_err();

        assert!(matches!(e, NetworkUpdateError::OperationInvalid(_)));
    }

    #[test]
    fn test_update_section_delete_by_mac_removes_host() {
        let mut def = net();
        update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, HOST).expect("added");

        update_section(
            &mut def,
            2,
            SECTION_IP_DHCP_HOST,
            -1,
            "<host mac='00:16:3E:77:E2:ED'/>",
        )
        .expect("deleted");

        assert!(def.ips[0].hosts.is_empty());
    }

    #[test]
    fn test_update_section_modify_replaces_matching_host() {
        let mut def = net();
        update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, HOST).expect("added");

        let new = "<host mac='00:16:3e:77:e2:ed' name='bar' ip='192.168.122.11'/>";
        update_section(&mut def, 1, SECTION_IP_DHCP_HOST, -1, new).expect("modified");

        assert_eq!(def.ips[0].hosts[0].name.as_deref(), Some("bar"));
    }

    #[test]
    fn test_update_section_wrong_element_is_xml_error() {
        let mut def = net();

        let e = update_section(&mut def, 3, SECTION_IP_DHCP_HOST, -1, "<range/>").unwrap_err();

        assert_eq!(
            e.to_vir(ErrorDomain::Network).message,
            "XML error: unexpected element <range>, expecting <host>, while updating network 'default'"
        );
    }

    #[test]
    fn test_update_section_bridge_is_unsupported() {
        let mut def = net();

        let e = update_section(&mut def, 1, 1, -1, "<bridge name='x'/>").unwrap_err();

        assert_eq!(
            e.to_string(),
            "Operation not supported: can't update 'bridge' section of network 'default'"
        );
    }
}
