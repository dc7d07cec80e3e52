//! Refusals of `<network>` XML as a client sees them: the libvirt error number and the
//! final message text, for each case exactly what stock libvirt 9.0.0 reports through its
//! in-process test driver (`virNetworkDefineXML` on `test:///default`, read with
//! python3-libvirt's `get_error_code()` / `get_error_message()`).

use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use oxvirt_conf::{ConfError, SequenceGenerator};
use oxvirt_error::ErrorDomain;

mod common;
use common::rejects;

fn parse(xml: &str) -> Result<NetworkDef, ConfError> {
    NetworkDef::parse_str(xml, &mut SequenceGenerator::starting_at(0))
}

/// `(code, message)` of the refusal of `xml`.
fn refusal(xml: &str) -> (i32, String) {
    common::refusal_of(parse(xml), ErrorDomain::Network)
}

rejects!(
    test_network_parse_bad_ip_fails_xml_error,
    "<network><name>n</name><ip address='1.2.3.x' prefix='24'/></network>",
    27,
    "XML error: Invalid address '1.2.3.x' in network 'n'"
);

rejects!(
    test_network_parse_bad_ipv6_fails_xml_error,
    "<network ipv6='maybe'><name>n</name></network>",
    27,
    "XML error: Invalid ipv6 setting 'maybe' in network 'n'"
);

rejects!(
    test_network_parse_bad_mac_fails_xml_error,
    "<network><name>n</name><mac address='zz:00:00:00:00:00'/></network>",
    27,
    "XML error: Invalid bridge mac address 'zz:00:00:00:00:00' in network 'n'"
);

rejects!(
    test_network_parse_bad_mtu_fails_xml_error,
    "<network><name>n</name><mtu size='x'/></network>",
    27,
    "XML error: Invalid mtu size 'x' in network 'n'"
);

rejects!(
    test_network_parse_bad_netmask_fails_xml_error,
    "<network><name>n</name><ip address='192.168.1.1' netmask='255.x'/></network>",
    27,
    "XML error: Invalid netmask '255.x' in network 'n'"
);

rejects!(
    test_network_parse_bad_range_start_fails_system_error,
    "<network><name>n</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.x' end='192.168.1.9'/></dhcp></ip></network>",
    38,
    "Cannot parse socket address '192.168.1.x': Name or service not known"
);

rejects!(
    test_network_parse_bad_uuid_fails_internal,
    "<network><name>n</name><uuid>xyz</uuid></network>",
    1,
    "internal error: malformed uuid element"
);

rejects!(
    test_network_parse_bw_bad_num_fails_unsupported,
    "<network><name>n</name><bandwidth><inbound average='x'/></bandwidth></network>",
    67,
    "unsupported configuration: could not convert bandwidth average value 'x'"
);

rejects!(
    test_network_parse_bw_no_avg_fails_xml_detail,
    "<network><name>n</name><bandwidth><inbound peak='3'/></bandwidth></network>",
    35,
    "Missing mandatory average or floor attributes"
);

rejects!(
    test_network_parse_bw_out_floor_fails_unsupported,
    "<network><name>n</name><bandwidth><outbound average='1' floor='2'/></bandwidth></network>",
    67,
    "unsupported configuration: 'floor' attribute allowed only in <inbound> element"
);

rejects!(
    test_network_parse_bw_two_inbound_fails_xml_detail,
    "<network><name>n</name><bandwidth><inbound average='1'/><inbound average='2'/></bandwidth></network>",
    35,
    "Only one child <inbound> element allowed"
);

rejects!(
    test_network_parse_dns_host_noip_fails_xml_detail,
    "<network><name>n</name><dns><host><hostname>a</hostname></host></dns></network>",
    35,
    "Missing IP address in network 'n' DNS HOST record"
);

rejects!(
    test_network_parse_nat_bad_start_fails_xml_error,
    "<network><name>n</name><forward mode='nat'><nat><address start='x' end='1.1.1.1'/></nat></forward><ip address='192.168.1.1' prefix='24'/></network>",
    27,
    "XML error: Bad ipv4 start address 'x' in <nat> in <forward> in network 'n'"
);

rejects!(
    test_network_parse_no_name_fails_no_name,
    "<network><bridge name='br0'/></network>",
    21,
    "missing name information"
);

rejects!(
    test_network_parse_port_on_fails_xml_error,
    "<network><name>n</name><port isolated='on'/></network>",
    27,
    "XML error: Invalid value for attribute 'isolated' in element 'port': 'on'."
);

rejects!(
    test_network_parse_route_bad_gw_fails_xml_error,
    "<network><name>n</name><ip address='192.168.1.1' prefix='24'/><route address='10.0.0.0' prefix='8' gateway='x'/></network>",
    27,
    "XML error: n: Bad gateway address 'x' in route definition"
);

rejects!(
    test_network_parse_slash_name_fails_xml_detail,
    "<network><name>a/b</name></network>",
    35,
    "invalid char in name: /"
);

rejects!(
    test_network_parse_tftp_bad_fails_system_error,
    "<network><name>n</name><ip address='192.168.1.1' prefix='24'><dhcp><bootp file='a' server='x.y'/></dhcp></ip></network>",
    38,
    "Cannot parse socket address 'x.y': Name or service not known"
);

rejects!(
    test_network_parse_vlan_bad_native_fails_xml_error,
    "<network><name>n</name><vlan trunk='yes'><tag id='3' nativeMode='bogus'/><tag id='4'/></vlan></network>",
    27,
    "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'bogus'."
);

rejects!(
    test_network_parse_vlan_id_large_fails_xml_error,
    "<network><name>n</name><vlan><tag id='4096'/></vlan></network>",
    27,
    "XML error: vlan tag id 4096 too large (maximum 4095)"
);

rejects!(
    test_network_parse_vlan_id_neg_fails_xml_error,
    "<network><name>n</name><vlan><tag id='-1'/></vlan></network>",
    27,
    "XML error: Invalid value for attribute 'id' in element 'tag': '-1'. Expected non-negative integer value"
);

rejects!(
    test_network_parse_vlan_native_default_fails_xml_error,
    "<network><name>n</name><vlan trunk='yes'><tag id='3' nativeMode='default'/><tag id='4'/></vlan></network>",
    27,
    "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'default'."
);

rejects!(
    test_network_parse_vlan_no_id_fails_xml_error,
    "<network><name>n</name><vlan><tag/></vlan></network>",
    27,
    "XML error: Missing required attribute 'id' in element 'tag'"
);

rejects!(
    test_network_parse_vlan_none_fails_xml_error,
    "<network><name>n</name><vlan/></network>",
    27,
    "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"
);

rejects!(
    test_network_parse_vlan_trunk_bad_fails_xml_error,
    "<network><name>n</name><vlan trunk='maybe'><tag id='3'/></vlan></network>",
    27,
    "XML error: invalid \"trunk='maybe'\" in <vlan> - must be yes or no"
);

rejects!(
    test_network_parse_vlan_trunk_bad_multi_fails_xml_error,
    "<network><name>n</name><vlan trunk='maybe'><tag id='3'/><tag id='4'/></vlan></network>",
    27,
    "XML error: invalid \"trunk='maybe'\" in <vlan> - trunk='yes' is required for more than one vlan tag"
);

rejects!(
    test_network_parse_vlan_trunk_bad_native_fails_xml_error,
    "<network><name>n</name><vlan trunk='maybe'><tag id='3' nativeMode='tagged'/></vlan></network>",
    27,
    "XML error: invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id"
);

rejects!(
    test_network_parse_vp_instance_bad_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters instanceid='x'/></virtualport></network>",
    27,
    "XML error: cannot parse instanceid parameter as a uuid"
);

rejects!(
    test_network_parse_vp_managerid_bad_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters managerid='x'/></virtualport></network>",
    27,
    "XML error: cannot parse value of managerid parameter"
);

rejects!(
    test_network_parse_vp_managerid_neg_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters managerid='-1'/></virtualport></network>",
    27,
    "XML error: value of managerid out of range"
);

rejects!(
    test_network_parse_vp_managerid_range_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters managerid='256'/></virtualport></network>",
    27,
    "XML error: value of managerid out of range"
);

rejects!(
    test_network_parse_vp_notype_fails_xml_error,
    "<network><name>n</name><virtualport><parameters profileid='x'/></virtualport></network>",
    27,
    "XML error: missing required virtualport type"
);

rejects!(
    test_network_parse_vp_ovs_extra_fails_xml_error,
    "<network><name>n</name><virtualport type='openvswitch'><parameters managerid='1'/></virtualport></network>",
    27,
    "XML error: extra managerid unsupported in <virtualport type='openvswitch'>"
);

rejects!(
    test_network_parse_vp_profile_long_fails_xml_error,
    "<network><name>n</name><virtualport type='openvswitch'><parameters profileid='0123456789012345678901234567890123456789'/></virtualport></network>",
    27,
    "XML error: profileid parameter too long"
);

rejects!(
    test_network_parse_vp_qbg_extra_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters profileid='x' interfaceid='c0a80101-0000-4000-8000-000000000001'/></virtualport></network>",
    27,
    "XML error: extra profileid unsupported in <virtualport type='802.1Qbg'>"
);

rejects!(
    test_network_parse_vp_qbh_extra_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbh'><parameters interfaceid='c0a80101-0000-4000-8000-000000000001' typeid='3'/></virtualport></network>",
    27,
    "XML error: extra typeid unsupported in <virtualport type='802.1Qbh'>"
);

rejects!(
    test_network_parse_vp_typeid_range_fails_xml_error,
    "<network><name>n</name><virtualport type='802.1Qbg'><parameters typeid='16777216'/></virtualport></network>",
    27,
    "XML error: value for typeid out of range"
);

rejects!(
    test_network_parse_vp_unknown_fails_unsupported,
    "<network><name>n</name><virtualport type='foo'/></network>",
    67,
    "unsupported configuration: unknown virtualport type foo"
);

rejects!(
    test_network_parse_wrong_root_fails_xml_error,
    "<domain><name>n</name></domain>",
    27,
    "XML error: expecting root element of 'network', not 'domain'"
);

/// The `<virtualport>` lines of a network that parses.
fn virtualport_lines(xml: &str) -> String {
    let out = parse(xml)
        .expect("libvirt accepts this network")
        .to_xml(NetworkFormatFlags::NONE);
    let start = out.find("  <virtualport").expect("virtualport printed");
    let end = out.find("</virtualport>\n").expect("virtualport closed") + 15;
    out[start..end].to_owned()
}

#[test]
fn test_network_parse_midonet_extras_accepted_empty_parameters() {
    let xml = "<network><name>n</name><virtualport type='midonet'>\
               <parameters managerid='1' profileid='p'/></virtualport></network>";

    let lines = virtualport_lines(xml);

    assert_eq!(
        lines,
        "  <virtualport type='midonet'>\n    <parameters/>\n  </virtualport>\n"
    );
}

#[test]
fn test_network_parse_profileid_39_bytes_printed_unescaped() {
    let xml = "<network><name>n</name><virtualport type='openvswitch'>\
               <parameters profileid='&lt;23456789012345678901234567890123456789' \
               interfaceid='c0a80101-0000-4000-8000-000000000001'/></virtualport></network>";

    let lines = virtualport_lines(xml);

    assert_eq!(
        lines,
        "  <virtualport type='openvswitch'>\n    <parameters \
         interfaceid='c0a80101-0000-4000-8000-000000000001' \
         profileid='<23456789012345678901234567890123456789'/>\n  </virtualport>\n"
    );
}

#[test]
fn test_network_parse_empty_profileid_is_unset() {
    let xml = "<network><name>n</name><virtualport type='openvswitch'>\
               <parameters profileid='' interfaceid='c0a80101-0000-4000-8000-000000000001'/>\
               </virtualport></network>";

    let lines = virtualport_lines(xml);

    assert_eq!(
        lines,
        "  <virtualport type='openvswitch'>\n    <parameters \
         interfaceid='c0a80101-0000-4000-8000-000000000001'/>\n  </virtualport>\n"
    );
}

#[test]
fn test_network_parse_tag_mismatch_fails_xml_detail_with_context() {
    let xml = "<network><name>n</name>\n<foo>\n</network>";

    let (code, message) = refusal(xml);

    // libxml2's wording and caret (after the end tag), as libvirt prints them.
    assert_eq!(
        (code, message.as_str()),
        (
            35,
            "(network_definition):3: Opening and ending tag mismatch: foo line 2 and network\n</network>\n----------^"
        )
    );
}

#[test]
fn test_network_parse_empty_document_fails_xml_detail() {
    let (code, message) = refusal("");

    assert_eq!(
        (code, message.as_str()),
        (35, "(network_definition):1: Document is empty\n(null)\n^")
    );
}
