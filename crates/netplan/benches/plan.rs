//! Planning one live interface update from XML text: parse the new `<interface>`, identify
//! the NIC, compare, allocate a port on the new network and order the actions (the
//! combined network change + bandwidth + link case of vector 053). Target: ≤ 20 µs.

use criterion::{Criterion, criterion_group, criterion_main};
use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::network::NetworkDef;
use oxvirt_conf::{ParseCtx, SequenceGenerator};
use oxvirt_netplan::{LiveDomain, NetworkDefResolver, NetworkResolver, plan_interface_update};
use std::hint::black_box;

const OLD: &str = "<interface type='network'>
  <mac address='52:54:00:aa:00:01'/>
  <source network='default'/>
  <target dev='vnet0'/>
  <model type='virtio'/>
  <alias name='net0'/>
  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
</interface>";

const NEW: &str = "<interface type='network'>
  <mac address='52:54:00:aa:00:01'/>
  <source network='routed'/>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
    <outbound average='128' peak='256' burst='256'/>
  </bandwidth>
  <target dev='vnet0'/>
  <model type='virtio'/>
  <link state='down'/>
  <alias name='net0'/>
  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
</interface>";

fn bench_plan(c: &mut Criterion) {
    let mut generator = SequenceGenerator::starting_at(1);
    let mut resolver = NetworkDefResolver::new();
    for xml in [
        "<network><name>default</name><forward mode='nat'/><bridge name='virbr0'/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>",
        "<network><name>routed</name><forward mode='route'/><bridge name='virbr2'/><ip address='192.168.200.1' netmask='255.255.255.0'/></network>",
    ] {
        resolver.add_network(NetworkDef::parse_str(xml, &mut generator).expect("network XML"));
    }
    let mut live = {
        let mut ctx = ParseCtx::live(&mut generator);
        NetDef::parse_str(OLD, &mut ctx).expect("old interface XML")
    };
    live.actual = Some(
        resolver
            .allocate_port(&live, &mut generator)
            .expect("old port"),
    );
    let interfaces = [live];
    let domain = LiveDomain::new("vm1", &interfaces);

    // The measured case must be a successful bridge re-attach, not an early refusal.
    let outcome = plan_interface_update(&domain, NEW, &resolver, &mut generator).map(|p| p.outcome);
    assert_eq!(outcome, Ok(oxvirt_netplan::Outcome::BridgeReattach));

    c.bench_function("plan_interface_update network+bandwidth+link", |b| {
        b.iter(|| {
            let plan = plan_interface_update(&domain, black_box(NEW), &resolver, &mut generator);
            black_box(plan.map(|p| p.actions.len()))
        })
    });
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
