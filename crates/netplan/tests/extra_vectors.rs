//! The planner against `tests/vectors-extra`: vectors written from SPEC statements (each
//! cites its section in `title`/`rules`) that the shared folder covers thinly or not at
//! all — every column of the §4.2 type matrix, each forward mode, portgroups, each
//! immutable attribute of §3, §2 identification edge cases, §5 virtualports of every kind,
//! §6 ordering of combined changes and quirks Q1–Q3. Plus the rules behind the planner
//! bugs those vectors found.

mod common;

use common::run;

use oxvirt_netplan::vectors::{Vector, vector_files};
use oxvirt_netplan::{Action, NetworkPort, Outcome};
use std::path::Path;

/// The number of vectors in the folder; a vector that cannot be loaded or run counts as
/// a failure, so a silently skipped file cannot hide.
const EXTRA_VECTORS: usize = 103;

#[test]
fn test_vectors_extra_folder_all_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors-extra");
    let files = vector_files(&dir).expect("tests/vectors-extra");

    let failures: Vec<String> = files
        .iter()
        .filter_map(
            |f| match Vector::load(f).and_then(|v| v.run().map(|r| (v, r.1))) {
                Ok((_, diffs)) if diffs.is_empty() => None,
                Ok((v, diffs)) => Some(format!("{}: {}", v.name, diffs.join("; "))),
                Err(e) => Some(e.to_string()),
            },
        )
        .collect();

    assert_eq!(
        (files.len(), failures),
        (EXTRA_VECTORS, Vec::<String>::new())
    );
}

fn nic(head: &str, body: &str) -> String {
    format!(
        "<interface {head}>\n  <mac address='52:54:00:aa:00:01'/>\n{body}\n  <model type='virtio'/>\n  <alias name='net0'/>\n  <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n</interface>"
    )
}

const PRIVATE_NET: &str = "<network>\n  <name>priv-net</name>\n  <forward mode='private'>\n    <interface dev='eth2'/>\n  </forward>\n</network>";
const BANDWIDTH: &str =
    "  <bandwidth>\n    <inbound average='1000'/>\n    <outbound average='1000'/>\n  </bandwidth>";

/// §3 "<bandwidth> (actual)" with §7 row 9: the reused port of an unchanged macvtap
/// network keeps its (absent) bandwidth; the interface's own element is not effective.
#[test]
fn test_bandwidth_reused_macvtap_port_interface_bandwidth_is_no_op() {
    let src = "  <source network='priv-net'/>\n  <target dev='macvtap0'/>";
    let old = nic("type='network'", src);
    let new = nic("type='network'", &format!("{src}\n{BANDWIDTH}"));

    let p = run(&old, &new, &[PRIVATE_NET]);

    assert_eq!(
        (p.outcome, p.actions.clone(), p.replace_def, p.network_port),
        (Outcome::NoOp, vec![], false, NetworkPort::Keep)
    );
}

/// The same change on a freshly allocated port (another network on the same device) is
/// effective: the network driver copies the interface's bandwidth into the new port.
#[test]
fn test_bandwidth_new_macvtap_port_interface_bandwidth_is_set() {
    const PRIVATE_NET_B: &str = "<network>\n  <name>priv-net-b</name>\n  <forward mode='private'>\n    <interface dev='eth2'/>\n  </forward>\n</network>";
    let old = nic(
        "type='network'",
        "  <source network='priv-net'/>\n  <target dev='macvtap0'/>",
    );
    let new = nic(
        "type='network'",
        &format!("  <source network='priv-net-b'/>\n  <target dev='macvtap0'/>\n{BANDWIDTH}"),
    );

    let p = run(&old, &new, &[PRIVATE_NET, PRIVATE_NET_B]);

    assert_eq!(
        (p.outcome, p.actions.clone()),
        (
            Outcome::LiveUpdate,
            vec![
                Action::PortAllocateNew,
                Action::BandwidthSet,
                Action::ReplaceDef,
                Action::PortReleaseOld
            ]
        )
    );
}

/// §3 vhostuser row: a changed socket is refused with the newest source's wording.
#[test]
fn test_vhostuser_socket_mode_changed_fails_socket_config() {
    let old = nic(
        "type='vhostuser'",
        "  <source type='unix' path='/run/vu.sock' mode='client'/>",
    );
    let new = nic(
        "type='vhostuser'",
        "  <source type='unix' path='/run/vu.sock' mode='server'/>",
    );

    let p = run::<&str>(&old, &new, &[]);

    let f = p.failure.expect("refused");
    assert_eq!(
        (f.error_code.as_str(), f.message.as_str()),
        (
            "VIR_ERR_OPERATION_UNSUPPORTED",
            "Operation not supported: unable to change socket config on 'vhostuser' network type"
        )
    );
}
