//! The three examples of the seed commit (RHEL-7036) as planner rules, plus the vector
//! folder as a whole.
//!
//! Example 1: switching to another network that uses the same bridge is not a re-attach.
//! Example 2: a type change is allowed between bridge-using types, or direct→direct with
//! the same device and mode; anything else fails.
//! Example 3: having a `<virtualport>` is no reason to fail; a changed one on a bridge is a
//! forced re-attach, on macvtap a failure.

mod common;

use common::run;

use oxvirt_conf::ParseCtx;
use oxvirt_conf::SequenceGenerator;
use oxvirt_conf::domain::net::NetDef;
use oxvirt_netplan::{
    Action, BridgeKind, FailStage, LiveDomain, NetworkDefResolver, Outcome, UpdatePlan,
    plan_interface_update,
};
use std::path::Path;

const IFID: &str = "8f2c64a1-3b4e-4c55-9a0e-5d1f2a7b9c01";
const IFID_B: &str = "0b6f7c3e-2a1d-4e5f-9a8b-1c2d3e4f5a6b";

/// An interface as the vectors write it: `head` is the opening tag, `body` the
/// type-specific elements (source, virtualport, link…).
fn nic(head: &str, body: &str) -> String {
    format!(
        "<interface {head}>\n  <mac address='52:54:00:aa:00:01'/>\n{body}\n  <target dev='vnet0'/>\n  <model type='virtio'/>\n  <alias name='net0'/>\n  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n</interface>"
    )
}

fn network(name: &str, inner: &str) -> String {
    format!("<network>\n  <name>{name}</name>\n{inner}\n</network>")
}

fn summary(p: &UpdatePlan) -> (Outcome, Vec<&'static str>) {
    (p.outcome, p.actions.iter().map(|a| a.as_str()).collect())
}

fn failure(p: &UpdatePlan) -> Option<(&str, FailStage, &str)> {
    p.failure
        .as_ref()
        .map(|f| (f.error_code.as_str(), f.stage, f.message.as_str()))
}

// ----- Example 1 ------------------------------------------------------------------------

#[test]
fn test_plan_network_rename_same_bridge_is_replace_only() {
    let nets = [
        network(
            "hostbr0",
            "  <forward mode='bridge'/>\n  <bridge name='br0'/>",
        ),
        network(
            "hostbr0-b",
            "  <forward mode='bridge'/>\n  <bridge name='br0'/>",
        ),
    ];
    let old = nic("type='network'", "  <source network='hostbr0'/>");
    let new = nic("type='network'", "  <source network='hostbr0-b'/>");

    let p = run(&old, &new, &nets);

    assert_eq!(
        summary(&p),
        (
            Outcome::ReplaceOnly,
            vec!["port_allocate_new", "replace_def", "port_release_old"]
        )
    );
}

#[test]
fn test_plan_ovs_network_rename_same_bridge_same_interfaceid_is_replace_only() {
    let ovs = "  <forward mode='bridge'/>\n  <bridge name='ovsbr0'/>\n  <virtualport type='openvswitch'/>";
    let nets = [network("ovsnet-a", ovs), network("ovsnet-b", ovs)];
    let vport = format!(
        "  <virtualport type='openvswitch'>\n    <parameters interfaceid='{IFID}'/>\n  </virtualport>"
    );
    let old = nic(
        "type='network'",
        &format!("  <source network='ovsnet-a'/>\n{vport}"),
    );
    let new = nic(
        "type='network'",
        &format!("  <source network='ovsnet-b'/>\n{vport}"),
    );

    let p = run(&old, &new, &nets);

    assert_eq!(p.outcome, Outcome::ReplaceOnly);
}

#[test]
fn test_plan_network_rename_other_bridge_is_bridge_reattach() {
    let nets = [
        network(
            "default",
            "  <forward mode='nat'/>\n  <bridge name='virbr0'/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'/>",
        ),
        network(
            "routed",
            "  <forward mode='route'/>\n  <bridge name='virbr2'/>\n  <ip address='192.168.200.1' netmask='255.255.255.0'/>",
        ),
    ];
    let old = nic("type='network'", "  <source network='default'/>");
    let new = nic("type='network'", "  <source network='routed'/>");

    let p = run(&old, &new, &nets);

    assert_eq!(
        (p.outcome, p.bridge_from.as_deref(), p.bridge_to.as_deref()),
        (Outcome::BridgeReattach, Some("virbr0"), Some("virbr2"))
    );
}

// ----- Example 2 ------------------------------------------------------------------------

#[test]
fn test_plan_type_bridge_to_network_same_bridge_is_replace_only() {
    let nets = [network(
        "default",
        "  <forward mode='nat'/>\n  <bridge name='virbr0'/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'/>",
    )];
    let old = nic("type='bridge'", "  <source bridge='virbr0'/>");
    let new = nic("type='network'", "  <source network='default'/>");

    let p = run(&old, &new, &nets);

    assert_eq!(
        summary(&p),
        (
            Outcome::ReplaceOnly,
            vec!["port_allocate_new", "replace_def"]
        )
    );
}

#[test]
fn test_plan_type_bridge_to_network_other_bridge_is_bridge_reattach() {
    let nets = [network(
        "default",
        "  <forward mode='nat'/>\n  <bridge name='virbr0'/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'/>",
    )];
    let old = nic("type='bridge'", "  <source bridge='br0'/>");
    let new = nic("type='network'", "  <source network='default'/>");

    let p = run(&old, &new, &nets);

    assert_eq!(
        summary(&p),
        (
            Outcome::BridgeReattach,
            vec!["port_allocate_new", "bridge_reattach", "replace_def"]
        )
    );
}

#[test]
fn test_plan_type_direct_to_macvtap_network_same_dev_and_mode_is_replace_only() {
    let nets = [network(
        "macvtap-net",
        "  <forward mode='bridge'>\n    <interface dev='eth1'/>\n  </forward>",
    )];
    let old = nic("type='direct'", "  <source dev='eth1' mode='bridge'/>");
    let new = nic("type='network'", "  <source network='macvtap-net'/>");

    let p = run(&old, &new, &nets);

    assert_eq!((p.outcome, p.replace_def), (Outcome::ReplaceOnly, true));
}

#[test]
fn test_plan_type_direct_to_macvtap_network_other_mode_fails_need_reconnect() {
    let nets = [network(
        "vepa-net",
        "  <forward mode='vepa'>\n    <interface dev='eth1'/>\n  </forward>",
    )];
    let old = nic("type='direct'", "  <source dev='eth1' mode='bridge'/>");
    let new = nic("type='network'", "  <source network='vepa-net'/>");

    let p = run(&old, &new, &nets);

    assert_eq!(
        failure(&p),
        Some((
            "VIR_ERR_OPERATION_UNSUPPORTED",
            FailStage::Decide,
            "Operation not supported: unable to change config on 'network' network type"
        ))
    );
}

#[test]
fn test_plan_type_ethernet_to_bridge_fails_need_reconnect() {
    let old = nic("type='ethernet'", "");
    let new = nic("type='bridge'", "  <source bridge='br0'/>");

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        failure(&p),
        Some((
            "VIR_ERR_OPERATION_UNSUPPORTED",
            FailStage::Decide,
            "Operation not supported: unable to change config on 'bridge' network type"
        ))
    );
}

#[test]
fn test_plan_type_bridge_to_direct_fails_need_reconnect() {
    let old = nic("type='bridge'", "  <source bridge='br0'/>");
    let new = nic("type='direct'", "  <source dev='eth1' mode='bridge'/>");

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        failure(&p).map(|(code, stage, _)| (code, stage)),
        Some(("VIR_ERR_OPERATION_UNSUPPORTED", FailStage::Decide))
    );
}

// ----- Example 3 ------------------------------------------------------------------------

fn ovs_vport(id: &str) -> String {
    format!(
        "  <virtualport type='openvswitch'>\n    <parameters interfaceid='{id}'/>\n  </virtualport>"
    )
}

#[test]
fn test_plan_unchanged_virtualport_link_change_is_live_update() {
    let old = nic(
        "type='bridge'",
        &format!("  <source bridge='ovsbr0'/>\n{}", ovs_vport(IFID)),
    );
    let new = nic(
        "type='bridge'",
        &format!(
            "  <source bridge='ovsbr0'/>\n{}\n  <link state='down'/>",
            ovs_vport(IFID)
        ),
    );

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        (summary(&p), p.replace_def),
        ((Outcome::LiveUpdate, vec!["set_link"]), false)
    );
}

#[test]
fn test_plan_changed_interfaceid_on_ovs_bridge_is_forced_reattach() {
    let old = nic(
        "type='bridge'",
        &format!("  <source bridge='ovsbr0'/>\n{}", ovs_vport(IFID)),
    );
    let new = nic(
        "type='bridge'",
        &format!("  <source bridge='ovsbr0'/>\n{}", ovs_vport(IFID_B)),
    );

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        (summary(&p), p.bridge_from_kind, p.bridge_to_kind),
        (
            (
                Outcome::BridgeReattach,
                vec!["bridge_reattach_forced", "replace_def"]
            ),
            Some(BridgeKind::Ovs),
            Some(BridgeKind::Ovs)
        )
    );
}

#[test]
fn test_plan_virtualport_removed_on_bridge_is_forced_reattach() {
    let old = nic(
        "type='bridge'",
        &format!("  <source bridge='ovsbr0'/>\n{}", ovs_vport(IFID)),
    );
    let new = nic("type='bridge'", "  <source bridge='ovsbr0'/>");

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        (p.actions.first().copied(), p.bridge_to_kind),
        (Some(Action::BridgeReattachForced), Some(BridgeKind::Linux))
    );
}

#[test]
fn test_plan_changed_virtualport_on_macvtap_fails_need_reconnect() {
    let qbg = |id: &str| {
        format!(
            "  <source dev='eth1' mode='vepa'/>\n  <virtualport type='802.1Qbg'>\n    <parameters managerid='11' typeid='1193047' typeidversion='2' instanceid='{id}'/>\n  </virtualport>"
        )
    };
    let old = nic("type='direct'", &qbg(IFID));
    let new = nic("type='direct'", &qbg(IFID_B));

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(
        failure(&p),
        Some((
            "VIR_ERR_OPERATION_UNSUPPORTED",
            FailStage::Decide,
            "Operation not supported: unable to change config on 'direct' network type"
        ))
    );
}

#[test]
fn test_plan_midonet_interfaceid_change_is_not_detected() {
    let midonet = |id: &str| {
        format!(
            "  <source bridge='br0'/>\n  <virtualport type='midonet'>\n    <parameters interfaceid='{id}'/>\n  </virtualport>"
        )
    };
    let old = nic("type='bridge'", &midonet(IFID));
    let new = nic("type='bridge'", &midonet(IFID_B));

    let p = run::<&str>(&old, &new, &[]);

    assert_eq!(summary(&p), (Outcome::NoOp, vec![]));
}

// ----- API shape and the vector folder ----------------------------------------------------

#[test]
fn test_plan_interface_update_refusal_is_libvirt_error() {
    let old = nic("type='bridge'", "  <source bridge='br0'/>");
    let new = nic("type='bridge'", "  <source bridge='br0'/>")
        .replace("52:54:00:aa:00:01", "52:54:00:aa:00:99");
    let mut generator = SequenceGenerator::starting_at(1);
    let interfaces = {
        let mut ctx = ParseCtx::live(&mut generator);
        [NetDef::parse_str(&old, &mut ctx).expect("old interface XML")]
    };

    let err = plan_interface_update(
        &LiveDomain::new("vm1", &interfaces),
        &new,
        &NetworkDefResolver::new(),
        &mut generator,
    )
    .expect_err("MAC is a lookup key");

    assert_eq!(
        err.message,
        "device not found: no device found at address '0000:01:00.0' matching MAC address '52:54:00:aa:00:99' and alias 'net0'"
    );
}

#[test]
fn test_plan_json_names_outcome_and_rule() {
    let old = nic("type='bridge'", "  <source bridge='br0'/>");
    let new = nic("type='bridge'", "  <source bridge='br1'/>");
    let p = run::<&str>(&old, &new, &[]);

    let json: serde_json::Value = serde_json::from_str(&p.to_json()).expect("valid JSON");

    assert_eq!(
        (
            json["outcome"].as_str(),
            json["explanation"][1]["rule"].as_str()
        ),
        (Some("bridge-reattach"), Some("R-BRIDGE"))
    );
}

/// Names and differences of the vectors in `dir` that do not pass.
fn failing_vectors(dir: &Path) -> (usize, Vec<String>) {
    let files = oxvirt_netplan::vectors::vector_files(dir).expect("vector folder");
    let failures = files
        .iter()
        .filter_map(|f| {
            match oxvirt_netplan::vectors::Vector::load(f).and_then(|v| v.run().map(|r| (v, r.1))) {
                Ok((_, diffs)) if diffs.is_empty() => None,
                Ok((v, diffs)) => Some(format!("{}: {}", v.name, diffs.join("; "))),
                Err(e) => Some(e.to_string()),
            }
        })
        .collect();
    (files.len(), failures)
}

/// The open vectors of the change-net spec, copied from `shared/spec/change-net/vectors`
/// (`crates/testutil/tests/shared_copies.rs` keeps the copy identical).
#[test]
fn test_vectors_seed_folder_all_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors-open");

    let (count, failures) = failing_vectors(&dir);

    assert_eq!((count, failures), (51, Vec::<String>::new()));
}
