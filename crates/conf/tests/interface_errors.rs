//! Refusals of `<interface>` XML as a client sees them: the libvirt error number and the
//! final message text. Each expectation is what stock libvirt 9.0.0 reports when a domain
//! holding that one interface is defined on its in-process test driver
//! (`virDomainDefineXML` on `test:///default`, read with python3-libvirt).

use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::{ConfError, ParseCtx, SequenceGenerator};
use oxvirt_error::ErrorDomain;

mod common;
use common::rejects;

fn parse(xml: &str) -> Result<NetDef, ConfError> {
    let mut generator = SequenceGenerator::starting_at(0);
    NetDef::parse_str(xml, &mut ParseCtx::inactive(&mut generator))
}

/// `(code, message)` of the refusal of `xml`.
fn refusal(xml: &str) -> (i32, String) {
    common::refusal_of(parse(xml), ErrorDomain::Domain)
}

rejects!(
    test_interface_parse_bad_mac_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><mac address='zz:00:00:00:00:00'/></interface>",
    27,
    "XML error: unable to parse mac address 'zz:00:00:00:00:00'"
);

rejects!(
    test_interface_parse_bad_type_fails_xml_error,
    "<interface type='bogus'/>",
    27,
    "XML error: Invalid value for attribute 'type' in element 'interface': 'bogus'."
);

rejects!(
    test_interface_parse_bridge_no_bridge_fails_xml_error,
    "<interface type='bridge'><source/></interface>",
    27,
    "XML error: Missing required attribute 'bridge' in element 'source'"
);

rejects!(
    test_interface_parse_bw_bad_fails_unsupported,
    "<interface type='bridge'><source bridge='br0'/><bandwidth><inbound average='x'/></bandwidth></interface>",
    67,
    "unsupported configuration: could not convert bandwidth average value 'x'"
);

rejects!(
    test_interface_parse_direct_mode_bad_fails_xml_error,
    "<interface type='direct'><source dev='eth0' mode='foo'/></interface>",
    27,
    "XML error: Invalid value for attribute 'mode' in element 'source': 'foo'."
);

rejects!(
    test_interface_parse_driver_bad_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><model type='virtio'/><driver iommu='yes'/></interface>",
    27,
    "XML error: Invalid value for attribute 'iommu' in element 'driver': 'yes'."
);

rejects!(
    test_interface_parse_link_bad_fails_unsupported,
    "<interface type='bridge'><source bridge='br0'/><link state='sideways'/></interface>",
    67,
    "unsupported configuration: unknown interface link state 'sideways'"
);

rejects!(
    test_interface_parse_mac_check_bad_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:00:00:01' check='on'/></interface>",
    27,
    "XML error: Invalid value for attribute 'check' in element 'mac': 'on'."
);

rejects!(
    test_interface_parse_mac_short_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><mac address='52:54:00:00:00'/></interface>",
    27,
    "XML error: unable to parse mac address '52:54:00:00:00'"
);

rejects!(
    test_interface_parse_mcast_mac_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><mac address='01:00:00:00:00:00'/></interface>",
    27,
    "XML error: expected unicast mac address, found multicast '01:00:00:00:00:00'"
);

rejects!(
    test_interface_parse_mcast_no_address_fails_xml_error,
    "<interface type='mcast'><source port='5'/></interface>",
    27,
    "XML error: Missing required attribute 'address' in element 'source'"
);

rejects!(
    test_interface_parse_mtu_bad_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><mtu size='x'/></interface>",
    27,
    "XML error: malformed mtu size"
);

rejects!(
    test_interface_parse_net_no_network_fails_xml_error,
    "<interface type='network'><source/></interface>",
    27,
    "XML error: Missing required attribute 'network' in element 'source'"
);

rejects!(
    test_interface_parse_net_no_source_fails_xml_error,
    "<interface type='network'/>",
    27,
    "XML error: interface type='network' requires a 'source' element"
);

rejects!(
    test_interface_parse_port_on_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><port isolated='on'/></interface>",
    27,
    "XML error: Invalid value for attribute 'isolated' in element 'port': 'on'."
);

rejects!(
    test_interface_parse_server_bad_port_fails_xml_error,
    "<interface type='server'><source port='x'/></interface>",
    27,
    "XML error: Invalid value for attribute 'port' in element 'source': 'x'. Expected integer value"
);

rejects!(
    test_interface_parse_sndbuf_bad_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><tune><sndbuf>x</sndbuf></tune></interface>",
    27,
    "XML error: sndbuf must be a positive integer"
);

rejects!(
    test_interface_parse_target_managed_bad_fails_xml_error,
    "<interface type='ethernet'><target dev='t' managed='on'/></interface>",
    27,
    "XML error: Invalid value for attribute 'managed' in element 'target': 'on'."
);

rejects!(
    test_interface_parse_trust_bad_fails_xml_error,
    "<interface type='bridge' trustGuestRxFilters='on'><source bridge='br0'/></interface>",
    27,
    "XML error: Invalid value for attribute 'trustGuestRxFilters' in element 'interface': 'on'."
);

rejects!(
    test_interface_parse_udp_no_local_fails_xml_error,
    "<interface type='udp'><source address='1.2.3.4' port='5'/></interface>",
    27,
    "XML error: '<local>' element missing for 'udp' socket interface"
);

rejects!(
    test_interface_parse_vds_bad_switch_fails_xml_error,
    "<interface type='vds'><source switchid='x' portid='1' portgroupid='p' connectionid='2'/></interface>",
    27,
    "XML error: Invalid value for attribute 'switchid' in element 'source': 'x'. Expected UUID"
);

rejects!(
    test_interface_parse_vhost_bad_mode_fails_xml_error,
    "<interface type='vhostuser'><source type='unix' path='/x' mode='foo'/></interface>",
    27,
    "XML error: Invalid value for attribute 'mode' in element 'source': 'foo'."
);

rejects!(
    test_interface_parse_vhost_bad_type_fails_unsupported,
    "<interface type='vhostuser'><source type='tcp' path='/x' mode='server'/></interface>",
    67,
    "unsupported configuration: Type='tcp' unsupported for <interface type='vhostuser'>"
);

rejects!(
    test_interface_parse_vlan_no_id_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><vlan><tag/></vlan></interface>",
    27,
    "XML error: Missing required attribute 'id' in element 'tag'"
);

rejects!(
    test_interface_parse_vp_bridge_notype_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><virtualport/></interface>",
    27,
    "XML error: missing required virtualport type"
);

rejects!(
    test_interface_parse_vp_midonet_missing_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><virtualport type='midonet'/></interface>",
    27,
    "XML error: missing interfaceid in <virtualport type='midonet'>"
);

rejects!(
    test_interface_parse_vp_on_user_fails_unsupported,
    "<interface type='user'><virtualport type='openvswitch'/></interface>",
    67,
    "unsupported configuration: <virtualport> element unsupported for <interface type='user'>"
);

rejects!(
    test_interface_parse_vp_ovs_extra_fails_xml_error,
    "<interface type='bridge'><source bridge='br0'/><virtualport type='openvswitch'><parameters typeid='1'/></virtualport></interface>",
    27,
    "XML error: extra typeid unsupported in <virtualport type='openvswitch'>"
);

rejects!(
    test_interface_parse_vp_profile_long_fails_xml_error,
    "<interface type='direct'><source dev='eth0'/><virtualport type='802.1Qbh'><parameters profileid='0123456789012345678901234567890123456789'/></virtualport></interface>",
    27,
    "XML error: profileid parameter too long"
);

rejects!(
    test_interface_parse_vp_qbg_missing_fails_xml_error,
    "<interface type='direct'><source dev='eth0'/><virtualport type='802.1Qbg'><parameters managerid='1'/></virtualport></interface>",
    27,
    "XML error: missing typeid in <virtualport type='802.1Qbg'>"
);

rejects!(
    test_interface_parse_vp_qbh_missing_fails_xml_error,
    "<interface type='direct'><source dev='eth0'/><virtualport type='802.1Qbh'/></interface>",
    27,
    "XML error: missing profileid in <virtualport type='802.1Qbh'>"
);
