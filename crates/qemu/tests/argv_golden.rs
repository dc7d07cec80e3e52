//! Golden tests: the command lines libvirt 9.0.0 ran QEMU 7.2 with, captured from
//! `/proc/PID/cmdline` (`*.argv`), the domain log (`*.qemu.log`) and `virsh
//! domxml-to-native` (`variants/*.domxml-to-native.txt`), rebuilt from the definitions
//! and compared line for line.
//!
//! The data under `tests/data/` are copies of `shared/spec/qemu/captures/` (same relative
//! paths); [`test_copied_captures_match_shared_originals`] checks the copies when the
//! shared folder is beside the clone.
//!
//! Inputs: `domains/qd-*.defined.xml` are what libvirt stored after define (defaults
//! included); for `qd-life` the stored persistent config from `status/` plays that role.
//! The variants were never defined: their input XML is parsed with the QEMU define
//! defaults of oxvirt-conf, and the UUID and MAC address libvirt generated at random are
//! taken from the capture through a fixed [`Generator`].

use oxvirt_conf::domain::qemu::Defaults;
use oxvirt_conf::domain::{DomainDef, util::parse_uuid};
use oxvirt_conf::netdev::MacAddr;
use oxvirt_conf::{Generator, ParseCtx, SequenceGenerator};
use oxvirt_qemu::command::{
    CommandContext, MonitorSocket, NetFds, QemuCommand, build_command_line,
};
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn read(rel: &str) -> String {
    let p = data_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Hands out the values libvirt generated, in the order the parser asks for them.
struct Fixed {
    uuid: [u8; 16],
    macs: Vec<[u8; 6]>,
}

impl Generator for Fixed {
    fn uuid(&mut self) -> [u8; 16] {
        self.uuid
    }

    fn mac(&mut self) -> [u8; 6] {
        assert!(!self.macs.is_empty(), "the test supplies every MAC");
        self.macs.remove(0)
    }
}

/// A stored (already defaulted) definition.
fn parse_defined(rel: &str) -> DomainDef {
    let mut g = SequenceGenerator::starting_at(0);
    DomainDef::parse_str(&read(rel), &mut ParseCtx::inactive(&mut g))
        .unwrap_or_else(|e| panic!("{rel} parses: {e:?}"))
}

/// An input document with the QEMU define defaults, libvirt's random values fixed.
fn parse_input(rel: &str, uuid: &str, macs: &[&str]) -> DomainDef {
    let mut g = Fixed {
        uuid: parse_uuid(uuid).expect("uuid"),
        macs: macs
            .iter()
            .map(|m| MacAddr::parse(m).expect("mac").0)
            .collect(),
    };
    DomainDef::parse_str_with(&read(rel), &mut ParseCtx::inactive(&mut g), Defaults::Qemu)
        .unwrap_or_else(|e| panic!("{rel} parses: {e:?}"))
}

/// The daemon's PATH as the captured environment shows it.
fn captured_path(environ_rel: &str) -> String {
    read(environ_rel)
        .lines()
        .find_map(|l| l.strip_prefix("PATH="))
        .expect("PATH in the captured environment")
        .to_owned()
}

/// The context of a real start: monitor on fd 32, taps from fd 33 up, VNC display 0.
fn start_context(def: &DomainDef, id: &str, path: String) -> CommandContext {
    let lib_dir = format!("/var/lib/libvirt/qemu/domain-{id}-{}", def.name);
    let mut ctx = CommandContext::new(lib_dir, MonitorSocket::Fd(32));
    ctx.path_env = Some(path);
    ctx.vnc_display = Some(0);
    let mut next_fd = 33;
    ctx.net_fds = def
        .devices
        .interfaces
        .iter()
        .map(|n| {
            if n.net_type == oxvirt_conf::domain::net::NetType::User {
                NetFds::default()
            } else {
                next_fd += 1;
                NetFds {
                    tap: vec![next_fd - 1],
                    vhost: Vec::new(),
                }
            }
        })
        .collect();
    ctx
}

/// Panics with a line-by-line comparison when the two lists differ.
fn assert_lines_eq(what: &str, expected: &[String], actual: &[String]) {
    if expected == actual {
        return;
    }
    let mut report = format!("{what}: command line differs (- captured, + built)\n");
    let n = expected.len().max(actual.len());
    for i in 0..n {
        match (expected.get(i), actual.get(i)) {
            (Some(e), Some(a)) if e == a => report.push_str(&format!("  {e}\n")),
            (e, a) => {
                if let Some(e) = e {
                    report.push_str(&format!("- {e}\n"));
                }
                if let Some(a) = a {
                    report.push_str(&format!("+ {a}\n"));
                }
            }
        }
    }
    panic!("{report}");
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// The first start recorded in a domain log whose HOME is `lib_dir`: from the environment
/// up to the last argument (the line without a trailing backslash).
fn log_block(log: &str, lib_dir: &str) -> String {
    let all: Vec<&str> = log.lines().collect();
    let home = format!("HOME={lib_dir} \\");
    let start = all
        .iter()
        .position(|l| *l == home)
        .expect("the start is in the log")
        - 2;
    let mut block = Vec::new();
    for l in &all[start..] {
        block.push(*l);
        if !l.ends_with('\\') {
            break;
        }
    }
    block.join("\n")
}

fn build(def: &DomainDef, ctx: &CommandContext) -> QemuCommand {
    build_command_line(def, ctx).unwrap_or_else(|e| panic!("{} builds: {e:?}", def.name))
}

/// A captured start: argv, environment and log line.
fn check_start(name: &str, def: &DomainDef, id: &str) {
    let ctx = start_context(def, id, captured_path(&format!("argv/{name}.environ")));
    let cmd = build(def, &ctx);

    assert_lines_eq(
        name,
        &lines(&read(&format!("argv/{name}.argv"))),
        &cmd.argv(),
    );

    let mut env: Vec<String> = cmd.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    env.sort();
    assert_lines_eq(
        &format!("{name} environment"),
        &lines(&read(&format!("argv/{name}.environ"))),
        &env,
    );

    let lib_dir = ctx.lib_dir.to_string_lossy().into_owned();
    let logged = log_block(&read(&format!("argv/{name}.qemu.log")), &lib_dir);
    assert_lines_eq(
        &format!("{name} log line"),
        &lines(&logged),
        &lines(&cmd.to_shell_string(true)),
    );
}

#[test]
fn test_build_qd_min_matches_capture() {
    check_start("qd-min", &parse_defined("domains/qd-min.defined.xml"), "1");
}

#[test]
fn test_build_qd_disk_matches_capture() {
    check_start(
        "qd-disk",
        &parse_defined("domains/qd-disk.defined.xml"),
        "2",
    );
}

#[test]
fn test_build_qd_br_matches_capture() {
    check_start("qd-br", &parse_defined("domains/qd-br.defined.xml"), "3");
}

#[test]
fn test_build_qd_full_matches_capture() {
    check_start(
        "qd-full",
        &parse_defined("domains/qd-full.defined.xml"),
        "4",
    );
}

#[test]
fn test_build_qd_life_matches_capture() {
    check_start(
        "qd-life",
        &parse_defined("status/qd-life.persistent-config.xml"),
        "7",
    );
}

#[test]
fn test_build_qd_variant_reboot_destroy_link_down_vnc_password_matches_capture() {
    // on_reboot=destroy and the link state are applied over QMP after start; only the
    // VNC password shows on the command line (password=on).
    let def = parse_input(
        "domains/qd-variant.xml",
        "82ca56b4-fb8f-4dc3-adfa-eb1c080812ad",
        &["52:54:00:61:5d:c0"],
    );
    let ctx = start_context(&def, "7", captured_path("argv/qd-full.environ"));

    let cmd = build(&def, &ctx);

    assert_lines_eq(
        "qd-variant",
        &lines(&read("argv/variants/qd-variant.argv")),
        &cmd.argv(),
    );
    let logged = log_block(
        &read("argv/variants/qd-variant.qemu.log"),
        &ctx.lib_dir.to_string_lossy(),
    );
    assert_lines_eq(
        "qd-variant log line",
        &lines(&logged),
        &lines(&cmd.to_shell_string(true)),
    );
}

/// A `virsh domxml-to-native` output: QEMU binds the monitor path itself, the tap is the
/// one descriptor libvirt opened (30 there), and no image was probed.
fn check_native(name: &str, def: &DomainDef) {
    let text = read(&format!("argv/variants/{name}.domxml-to-native.txt"));
    let path = text
        .split(' ')
        .find_map(|w| w.strip_prefix("PATH="))
        .expect("PATH in the native command")
        .to_owned();
    let lib_dir = PathBuf::from(format!("/var/lib/libvirt/qemu/domain--1-{}", def.name));
    let mut ctx = CommandContext::new(&lib_dir, MonitorSocket::Path(lib_dir.join("monitor.sock")));
    ctx.path_env = Some(path);
    ctx.disk_chains_probed = false;
    ctx.net_fds = def
        .devices
        .interfaces
        .iter()
        .map(|_| NetFds {
            tap: vec![30],
            vhost: Vec::new(),
        })
        .collect();

    let cmd = build(def, &ctx);

    // One option per line for a readable comparison; the text itself must match exactly.
    let split = |s: &str| lines(&s.replace(" -", "\n-"));
    let built = format!("{}\n", cmd.to_shell_string(false));
    assert_lines_eq(name, &split(&text), &split(&built));
    assert_eq!(text, built);
}

#[test]
fn test_build_q35_variant_matches_domxml_to_native() {
    let def = parse_input(
        "argv/variants/qd-br-q35.xml",
        "f7502273-9f8e-44cf-aa57-409a306244d9",
        &["52:54:00:56:c1:64"],
    );

    check_native("qd-br-q35", &def);
}

#[test]
fn test_build_noacpi_variant_matches_domxml_to_native() {
    let def = parse_input(
        "argv/variants/qd-min-noacpi.xml",
        "c048e256-7d90-4905-b296-196b3ce0ab15",
        &[],
    );

    check_native("qd-min-noacpi", &def);
}

#[test]
fn test_copied_captures_match_shared_originals() {
    let Some(shared) = oxvirt_testutil::shared_reference("spec/qemu/captures") else {
        return;
    };
    // caps/ holds replies cut out of the probe captures; its own test checks them.
    let copies: Vec<_> = oxvirt_testutil::files_under(&data_dir())
        .into_iter()
        .filter(|rel| !rel.starts_with("caps"))
        .collect();
    assert!(!copies.is_empty(), "test data present");
    for rel in copies {
        let copy = std::fs::read(data_dir().join(&rel)).expect("read copy");
        let original = std::fs::read(shared.join(&rel))
            .unwrap_or_else(|e| panic!("{} has no original: {e}", rel.display()));
        assert!(
            copy == original,
            "{} differs from its original",
            rel.display()
        );
    }
}
