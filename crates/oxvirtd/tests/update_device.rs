//! Live interface update through stock virsh and through oxvirsh's dry-run: the planner's
//! decisions (`crates/netplan`) applied by the test driver to its simulated host.
//! libvirt's own test driver refuses update-device; oxvirtd implements it on purpose, so
//! these tests assert the planner's behaviour rather than a comparison with libvirt.

mod common;

use common::{Daemon, VirshOutput, run_virsh, virsh};
use std::path::{Path, PathBuf};
use std::process::Command;

const LINK_DOWN: &str = "<interface type='network'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source network='default'/>
  <link state='down'/>
</interface>
";

const MODEL_CHANGE: &str = "<interface type='network'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source network='default'/>
  <model type='e1000'/>
</interface>
";

const TO_DIRECT: &str = "<interface type='direct'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source dev='eth0' mode='bridge'/>
</interface>
";

const SAME_BRIDGE_NETWORK: &str = "<network>
  <name>samebr</name>
  <forward mode='bridge'/>
  <bridge name='virbr0'/>
</network>
";

const TO_SAME_BRIDGE_NETWORK: &str = "<interface type='network'>
  <mac address='aa:bb:cc:dd:ee:ff'/>
  <source network='samebr'/>
</interface>
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn interface_xml(v: &Path, uri: &str) -> String {
    let xml = run_virsh(v, uri, &["dumpxml test"]).stdout;
    let start = xml.find("<interface").expect("interface");
    let end = xml.find("</interface>").expect("end") + "</interface>".len();
    xml[start..end].to_owned()
}

fn oxvirsh(uri: &str, args: &[&str]) -> VirshOutput {
    let out = Command::new(env!("CARGO_BIN_EXE_oxvirsh"))
        .arg("-c")
        .arg(uri)
        .args(args)
        .output()
        .expect("run oxvirsh");
    VirshOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn test_update_device_link_down_replaces_live_definition() {
    let Some(v) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "iface.xml", LINK_DOWN);
    let d = Daemon::start();
    let out = run_virsh(
        &v,
        &d.test_uri(),
        &["update-device", "test", file.to_str().unwrap(), "--live"],
    );
    assert_eq!(
        (out.status, out.stdout.as_str()),
        (0, "Device updated successfully\n\n")
    );
    assert_eq!(
        interface_xml(&v, &d.test_uri()),
        "<interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <link state='down'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>"
    );
}

#[test]
fn test_update_device_model_change_fails_with_libvirt_message_and_keeps_definition() {
    let Some(v) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "iface.xml", MODEL_CHANGE);
    let d = Daemon::start();
    let before = interface_xml(&v, &d.test_uri());
    let out = run_virsh(
        &v,
        &d.test_uri(),
        &["update-device", "test", file.to_str().unwrap(), "--live"],
    );
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stderr,
        format!(
            "error: Failed to update device from {}\n\
             error: Operation not supported: cannot modify network device model from (null) to e1000\n",
            file.display()
        )
    );
    assert_eq!(interface_xml(&v, &d.test_uri()), before);
}

#[test]
fn test_update_device_network_to_direct_is_refused() {
    let Some(v) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "iface.xml", TO_DIRECT);
    let d = Daemon::start();
    let out = run_virsh(
        &v,
        &d.test_uri(),
        &["update-device", "test", file.to_str().unwrap(), "--live"],
    );
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains(
            "error: Operation not supported: unable to change config on 'direct' network type"
        ),
        "{}",
        out.stderr
    );
}

/// The seed commit's Example 1: another network on the same bridge is a replacement of
/// the definition, not a re-attach.
#[test]
fn test_update_device_network_on_same_bridge_is_replace_only() {
    let Some(v) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let net = write(dir.path(), "net.xml", SAME_BRIDGE_NETWORK);
    let file = write(dir.path(), "iface.xml", TO_SAME_BRIDGE_NETWORK);
    let d = Daemon::start();
    let uri = d.test_uri();
    let setup = run_virsh(
        &v,
        &uri,
        &[&format!("net-define {}; net-start samebr", net.display())],
    );
    assert_eq!(setup.status, 0, "{setup:?}");
    let plan = oxvirsh(
        &uri,
        &[
            "update-device",
            "test",
            file.to_str().unwrap(),
            "--live",
            "--dry-run",
            "--json",
        ],
    );
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let out = run_virsh(
        &v,
        &uri,
        &["update-device", "test", file.to_str().unwrap(), "--live"],
    );
    assert_eq!(plan["outcome"], "replace-only");
    assert_eq!(
        plan["actions"],
        serde_json::json!(["port_allocate_new", "replace_def", "port_release_old"])
    );
    assert_eq!(out.status, 0, "{out:?}");
    assert!(interface_xml(&v, &uri).contains("<source network='samebr'/>"));
}

#[test]
fn test_update_device_domif_setlink_round_trips_through_update_device() {
    let Some(v) = virsh() else { return };
    let d = Daemon::start();
    let set = run_virsh(
        &v,
        &d.test_uri(),
        &["domif-setlink test aa:bb:cc:dd:ee:ff down"],
    );
    let get = run_virsh(&v, &d.test_uri(), &["domif-getlink test aa:bb:cc:dd:ee:ff"]);
    assert_eq!(set.stdout, "Device updated successfully\n\n");
    assert_eq!(get.stdout, "aa:bb:cc:dd:ee:ff down\n");
}

#[test]
fn test_oxvirsh_dry_run_explains_without_applying() {
    let Some(v) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "iface.xml", LINK_DOWN);
    let d = Daemon::start();
    let before = interface_xml(&v, &d.test_uri());
    let out = oxvirsh(
        &d.test_uri(),
        &[
            "update-device",
            "test",
            file.to_str().unwrap(),
            "--live",
            "--dry-run",
        ],
    );
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.stdout
            .starts_with("Plan for domain 'test': live-update\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("  R-LINK: "), "{}", out.stdout);
    assert_eq!(interface_xml(&v, &d.test_uri()), before);
}

#[test]
fn test_oxvirsh_dry_run_of_refused_update_exits_1_with_reason() {
    let Some(_) = virsh() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "iface.xml", MODEL_CHANGE);
    let d = Daemon::start();
    let out = oxvirsh(
        &d.test_uri(),
        &[
            "update-device",
            "test",
            file.to_str().unwrap(),
            "--live",
            "--dry-run",
        ],
    );
    assert_eq!(out.status, 1);
    assert!(
        out.stdout
            .contains("Would fail: Operation not supported: cannot modify network device model"),
        "{}",
        out.stdout
    );
}
