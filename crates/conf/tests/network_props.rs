//! Property test: networks assembled from random combinations of valid and invalid
//! pieces either are refused, or format to a fixed point
//! (`format(parse(format(parse(x)))) == format(parse(x))`).

use oxvirt_conf::SequenceGenerator;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "<forward mode='nat'/>",
    "<forward mode='route' dev='eth0'/>",
    "<forward mode='open'/>",
    "<forward mode='bridge'><interface dev='eth1'/><interface dev='eth2'/></forward>",
    "<forward mode='hostdev' managed='yes'><driver name='vfio'/><address type='pci' bus='3' slot='0' function='1'/></forward>",
    "<forward mode='passthrough'><pf dev='eth9'/></forward>",
    "<forward><nat ipv6='yes'><address start='1.2.3.4' end='1.2.3.9'/><port start='1024' end='2048'/></nat></forward>",
    "<bridge name='virbr3' stp='off' delay='2' macTableManager='libvirt'/>",
    "<bridge name='br-x' zone='trusted'/>",
    "<mtu size='9000'/>",
    "<mac address='52:54:00:AB:cd:0e'/>",
    "<domain name='lan' localOnly='yes'/>",
    "<dns forwardPlainNames='no'><forwarder domain='x.org' addr='10.1.1.1'/><txt name='t' value='&lt;v&gt;'/><host ip='10.0.0.9'><hostname>h</hostname></host><srv service='ldap' protocol='tcp' target='h' port='389' weight='1'/></dns>",
    "<ip address='10.0.0.1' prefix='24' localPtr='yes'><tftp root='/srv'/><dhcp><range start='10.0.0.10' end='10.0.0.20'><lease expiry='3' unit='hours'/></range><host mac='52:54:00:00:00:01' name='vm' ip='10.0.0.11'/><bootp file='pxe.0'/></dhcp></ip>",
    "<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><host id='0:1:2' ip='fd00::5'/></dhcp></ip>",
    "<route address='192.168.10.0' netmask='255.255.255.0' gateway='10.0.0.2' metric='3'/>",
    "<vlan trunk='yes'><tag id='10' nativeMode='tagged'/><tag id='20'/></vlan>",
    "<bandwidth><inbound average='100' peak='200' burst='64'/></bandwidth>",
    "<port isolated='yes'/>",
    "<virtualport type='openvswitch'><parameters profileid='gold'/></virtualport>",
    "<portgroup name='pg' default='yes'><vlan><tag id='7'/></vlan><bandwidth><outbound average='5'/></bandwidth></portgroup>",
    "<metadata><m:k xmlns:m='urn:m'>\n  <m:v a='1'/>\n</m:k></metadata>",
    "<dns enable='no'/>",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn prop_random_network_is_refused_or_fixed_point(
        picks in proptest::collection::vec(0usize..PIECES.len(), 0..8),
        ipv6 in any::<bool>(),
    ) {
        let body: String = picks.iter().map(|i| PIECES[*i]).collect();
        let attrs = if ipv6 { " ipv6='yes'" } else { "" };
        let xml = format!("<network{attrs}><name>p</name>{body}</network>");
        let first = NetworkDef::parse_str(&xml, &mut SequenceGenerator::starting_at(0));
        // a refusal is an allowed outcome; only accepted input must be stable
        let Ok(def) = first else {
            return Ok(());
        };
        let once = def.to_xml(NetworkFormatFlags::NONE);
        let again = NetworkDef::parse_str(&once, &mut SequenceGenerator::starting_at(1))
            .map(|d| d.to_xml(NetworkFormatFlags::NONE))
            .unwrap_or_else(|e| format!("re-parse failed: {e}"));
        prop_assert_eq!(once, again);
    }
}
