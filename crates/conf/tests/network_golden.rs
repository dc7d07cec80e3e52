//! Golden tests for the `<network>` formatter and the parser's refusals.
//!
//! Each `tests/network_golden/NAME.in.xml` is formatted and compared byte for byte with
//! `NAME.out.xml`, which is what stock libvirt 9.0.0 (its in-process test driver,
//! `virsh -c test:///default net-define … ; net-dumpxml …`) printed for the same input.

use oxvirt_conf::network::{ForwardMode, NetworkDef, NetworkFormatFlags};
use oxvirt_conf::{ConfError, SequenceGenerator};
use std::path::PathBuf;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/network_golden")
}

fn parse(xml: &str) -> Result<NetworkDef, ConfError> {
    NetworkDef::parse_str(xml, &mut SequenceGenerator::starting_at(0))
}

/// Formats `NAME.in.xml`; returns (actual, expected).
fn golden(name: &str) -> (String, String) {
    let dir = golden_dir();
    let input = std::fs::read_to_string(dir.join(format!("{name}.in.xml"))).expect("golden input");
    let expected =
        std::fs::read_to_string(dir.join(format!("{name}.out.xml"))).expect("golden output");
    let actual = parse(&input)
        .map(|d| d.to_xml(NetworkFormatFlags::NONE))
        .unwrap_or_else(|e| format!("error: {e}"));
    (actual, expected)
}

#[test]
fn test_golden_routed_full_matches_libvirt() {
    let (actual, expected) = golden("routed-full");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_golden_hostdev_portgroups_matches_libvirt() {
    let (actual, expected) = golden("hostdev-portgroups");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_golden_nat_ports_ipv4compat_matches_libvirt() {
    let (actual, expected) = golden("nat-ports-ipv4compat");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_golden_metadata_namespaces_matches_libvirt() {
    let (actual, expected) = golden("metadata-namespaces");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_golden_metadata_cdata_matches_libvirt() {
    let (actual, expected) = golden("metadata-cdata");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_golden_unescaped_names_matches_libvirt() {
    let (actual, expected) = golden("unescaped-names");
    assert_eq!(actual.trim_end(), expected.trim_end());
}

#[test]
fn test_format_isolated_network_fills_bridge_defaults() {
    let def = parse("<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><bridge name='virbr0'/></network>")
        .expect("valid network");

    let xml = def.to_xml(NetworkFormatFlags::NONE);

    assert_eq!(
        xml,
        "<network>\n  <name>n</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <bridge name='virbr0' stp='on' delay='0'/>\n</network>\n"
    );
}

#[test]
fn test_parse_missing_uuid_comes_from_generator() {
    let def = parse("<network><name>n</name></network>").expect("valid network");

    assert_eq!(
        def.uuid,
        [0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn test_format_forward_dev_becomes_first_interface() {
    let def = parse("<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><forward mode='route' dev='eth1'/><ip address='10.0.0.1' prefix='24'/></network>")
        .expect("valid network");

    let xml = def.to_xml(NetworkFormatFlags::INACTIVE);

    assert!(
        xml.contains(
            "  <forward dev='eth1' mode='route'>\n    <interface dev='eth1'/>\n  </forward>\n"
        ),
        "{xml}"
    );
}

#[test]
fn test_format_live_prints_connections_inactive_does_not() {
    let mut def = parse("<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><forward mode='bridge'/><bridge name='br0'/></network>")
        .expect("valid network");
    def.connections = 3;

    let live = def.to_xml(NetworkFormatFlags::NONE);
    let inactive = def.to_xml(NetworkFormatFlags::INACTIVE);

    assert_eq!(
        (live.lines().next(), inactive.lines().next()),
        (Some("<network connections='3'>"), Some("<network>"))
    );
}

#[test]
fn test_format_dnsmasq_options_declare_namespace() {
    let def = parse("<network xmlns:d='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><d:options><d:option value='a=b'/></d:options></network>")
        .expect("valid network");

    let xml = def.to_xml(NetworkFormatFlags::NONE);

    assert_eq!(
        xml,
        "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>\n  <name>n</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <bridge stp='on' delay='0'/>\n  <dnsmasq:options>\n    <dnsmasq:option value='a=b'/>\n  </dnsmasq:options>\n</network>\n"
    );
}

#[test]
fn test_forward_mode_absent_forward_is_none() {
    let def = parse("<network><name>n</name></network>").expect("valid network");

    assert_eq!(def.forward_mode(), ForwardMode::None);
}

#[test]
fn test_bridge_name_reads_bridge_element() {
    let def = parse("<network><name>n</name><bridge name='virbr9'/></network>").expect("valid");

    assert_eq!(def.bridge_name(), Some("virbr9"));
}

#[test]
fn test_parse_open_mode_with_dev_is_rejected() {
    let err = parse("<network><name>n</name><forward mode='open' dev='eth0'/><ip address='10.0.0.1'/></network>")
        .expect_err("open networks take no forward device");

    assert_eq!(
        err.to_string(),
        "forward dev not allowed for network 'n' with forward mode='open'"
    );
}

#[test]
fn test_parse_duplicate_pool_interface_is_rejected() {
    let err = parse("<network><name>n</name><forward mode='passthrough'><interface dev='a'/><interface dev='a'/></forward></network>")
        .expect_err("duplicate interface");

    assert_eq!(
        err.to_string(),
        "interface 'a' can only be listed once in network n"
    );
}

#[test]
fn test_parse_duplicate_pci_address_is_rejected() {
    let err = parse("<network><name>n</name><forward mode='hostdev'><address type='pci' bus='1'/><address type='pci' bus='0x01'/></forward></network>")
        .expect_err("duplicate PCI device");

    assert_eq!(
        err.to_string(),
        "PCI device '0000:01:00.0' can only be listed once in network n"
    );
}

#[test]
fn test_parse_disabled_dns_with_records_is_rejected() {
    let err =
        parse("<network><name>n</name><dns enable='no'><txt name='a' value='b'/></dns></network>")
            .expect_err("disabled DNS with records");

    assert_eq!(err.to_string(), "Extra data in disabled network 'n'");
}

#[test]
fn test_parse_dhcp_range_outside_network_is_rejected() {
    let err = parse("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>")
        .expect_err("range outside the subnet");

    assert_eq!(
        err.to_string(),
        "range 10.0.1.2 - 10.0.1.9 is not entirely within network 10.0.0.1/24"
    );
}

#[test]
fn test_parse_unreachable_route_gateway_is_rejected() {
    let err = parse("<network><name>n</name><ip address='10.0.0.1' prefix='24'/><route address='192.168.0.0' prefix='16' gateway='10.9.0.1'/></network>")
        .expect_err("gateway outside every subnet");

    assert_eq!(
        err.to_string(),
        "unreachable static route gateway '10.9.0.1' specified for network 'n'"
    );
}

#[test]
fn test_parse_wrong_root_is_rejected() {
    let err = parse("<domain><name>n</name></domain>").expect_err("not a network");

    assert_eq!(
        err.to_string(),
        "expecting root element of 'network', not 'domain'"
    );
}
