//! Status XML of a resolved `type='network'` interface: parsed live with its `<actual>`,
//! formatted with [`FormatFlags::STATUS`] it must come back unchanged, in the layout of
//! libvirt's `virDomainActualNetDefFormat` (declared source kept, port in `<actual>`).

use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::{FormatFlags, ParseCtx, SequenceGenerator};

fn live(xml: &str) -> NetDef {
    let mut generator = SequenceGenerator::starting_at(0);
    NetDef::parse_str(xml, &mut ParseCtx::live(&mut generator)).expect("valid status XML")
}

const BRIDGED: &str = "\
<interface type='network'>
  <mac address='52:54:00:11:22:33'/>
  <source network='default' portid='0b6f7c3e-2a1d-4e5f-9a8b-1c2d3e4f5a6b'/>
  <actual type='network'>
    <source bridge='virbr0'/>
    <class id='3'/>
    <bandwidth>
      <inbound average='1000'/>
    </bandwidth>
  </actual>
  <target dev='vnet0'/>
  <model type='virtio'/>
  <alias name='net0'/>
</interface>
";

const DIRECT: &str = "\
<interface type='network' trustGuestRxFilters='yes'>
  <mac address='52:54:00:11:22:34'/>
  <source network='macvtap-net' portgroup='engineering'/>
  <actual type='direct' trustGuestRxFilters='yes'>
    <source dev='eth0' mode='vepa'/>
    <virtualport type='802.1Qbg'>
      <parameters managerid='11' typeid='1193047' typeidversion='2' instanceid='09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f'/>
    </virtualport>
  </actual>
  <model type='virtio'/>
  <alias name='net1'/>
</interface>
";

#[test]
fn test_netdef_status_bridged_actual_round_trips() {
    let def = live(BRIDGED);

    let out = def.to_xml(FormatFlags::STATUS);

    assert_eq!(out, BRIDGED);
}

#[test]
fn test_netdef_status_direct_actual_with_virtualport_round_trips() {
    let def = live(DIRECT);

    let out = def.to_xml(FormatFlags::STATUS);

    assert_eq!(out, DIRECT);
}

#[test]
fn test_netdef_live_format_shows_actual_in_place_of_source() {
    let def = live(BRIDGED);

    let out = def.to_xml(FormatFlags::NONE);

    assert_eq!(
        out,
        "<interface type='network'>
  <mac address='52:54:00:11:22:33'/>
  <source network='default' portid='0b6f7c3e-2a1d-4e5f-9a8b-1c2d3e4f5a6b' bridge='virbr0'/>
  <bandwidth>
    <inbound average='1000'/>
  </bandwidth>
  <target dev='vnet0'/>
  <model type='virtio'/>
  <alias name='net0'/>
</interface>
"
    );
}

#[test]
fn test_netdef_status_reparsed_equals_first_parse() {
    let def = live(DIRECT);

    let again = live(&def.to_xml(FormatFlags::STATUS));

    assert_eq!(again, def);
}

#[test]
fn test_netdef_status_actual_virtualport_without_ids_fails_missing() {
    let xml = "<interface type='network'><source network='ovs'/>\
               <actual type='bridge'><source bridge='ovsbr0'/>\
               <virtualport type='openvswitch'/></actual></interface>";
    let mut generator = SequenceGenerator::starting_at(0);

    let e = NetDef::parse_str(xml, &mut ParseCtx::live(&mut generator)).unwrap_err();

    assert_eq!(
        e.to_string(),
        "missing interfaceid in <virtualport type='openvswitch'>"
    );
}
