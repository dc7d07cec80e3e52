//! Shared by the planner's test binaries: plan one update against a one-NIC domain.

use oxvirt_conf::ParseCtx;
use oxvirt_conf::SequenceGenerator;
use oxvirt_conf::domain::net::NetDef;
use oxvirt_conf::network::NetworkDef;
use oxvirt_netplan::vectors::HOST_BRIDGES;
use oxvirt_netplan::{LiveDomain, NetworkDefResolver, NetworkResolver, UpdatePlan, plan};

/// Plans `new` against a domain whose only NIC is `old` (connected to its network, if it
/// names one), with `networks` defined and the vectors' host bridges present.
pub fn run<S: AsRef<str>>(old: &str, new: &str, networks: &[S]) -> UpdatePlan {
    let mut generator = SequenceGenerator::starting_at(100);
    let mut resolver = NetworkDefResolver::new();
    for bridge in HOST_BRIDGES {
        resolver.add_host_bridge(bridge);
    }
    for xml in networks {
        let net = NetworkDef::parse_str(xml.as_ref(), &mut generator).expect("network XML");
        resolver.add_network(net);
    }
    let mut live = {
        let mut ctx = ParseCtx::live(&mut generator);
        NetDef::parse_str(old, &mut ctx).expect("old interface XML")
    };
    if live.network_name().is_some() {
        live.actual = Some(
            resolver
                .allocate_port(&live, &mut generator)
                .expect("old port"),
        );
    }
    let interfaces = [live];
    plan(
        &LiveDomain::new("vm1", &interfaces),
        new,
        &resolver,
        &mut generator,
    )
}
