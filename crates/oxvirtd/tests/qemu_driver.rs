//! `qemu:///system` through stock virsh: real QEMU processes, libvirt's define-time
//! defaults, the lifecycle, and reconnecting after the daemon was killed.
//!
//! Needs root (qemu:///system), `qemu-system-x86_64` and virsh; uses KVM when `/dev/kvm`
//! opens, TCG otherwise. Every daemon keeps its files under its own `--root`; a guard kills
//! any QEMU a failing test leaves behind.

mod common;

use common::{Daemon, run_virsh, skip, virsh};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// What the test needs, or a skip.
fn setup() -> Option<PathBuf> {
    if !nix::unistd::geteuid().is_root() {
        skip("qemu:///system needs root");
        return None;
    }
    if !Path::new(QEMU).exists() {
        skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)");
        return None;
    }
    virsh()
}

/// `kvm` when /dev/kvm works here, else `qemu` (TCG).
fn virt_type() -> &'static str {
    let kvm = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    if kvm { "kvm" } else { "qemu" }
}

fn qd_min(name: &str) -> String {
    format!(
        "<domain type='{}'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <features>
    <acpi/>
  </features>
</domain>
",
        virt_type()
    )
}

fn uri(d: &Daemon) -> String {
    format!("qemu+unix:///system?socket={}", d.socket().display())
}

/// Kills every QEMU the daemon's status files name when the test ends, passed or not.
struct QemuGuard(PathBuf);

/// The pids of the status files under a daemon's `--root`, by domain name.
fn pids(root: &Path) -> Vec<i32> {
    let dir = root.join("run/oxvirt/qemu");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| {
            let rest = t.split_once(" pid='")?.1;
            rest.split_once('\'')?.0.parse().ok()
        })
        .collect()
}

impl Drop for QemuGuard {
    fn drop(&mut self) {
        for pid in pids(&self.0) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn virsh_ok(virsh: &Path, uri: &str, args: &[&str]) -> String {
    let o = run_virsh(virsh, uri, args);
    assert_eq!(o.status, 0, "virsh {args:?}: {o:?}");
    o.stdout
}

/// Polls `domstate --reason` until it prints `want` (a stop completes asynchronously).
fn wait_state(virsh: &Path, uri: &str, dom: &str, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = virsh_ok(virsh, uri, &["domstate", dom, "--reason"]);
        if got.trim() == want || Instant::now() > deadline {
            return got.trim().to_owned();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `virsh shutdown` only asks the guest, and a guest still booting misses the button:
/// press it again (harmless while the guest powers off) until the domain is off.
fn shutdown_until_off(virsh: &Path, uri: &str, dom: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let _ = run_virsh(virsh, uri, &["shutdown", dom]);
        let pressed = Instant::now();
        while pressed.elapsed() < Duration::from_secs(1) {
            let state = virsh_ok(virsh, uri, &["domstate", dom, "--reason"]);
            if state.trim().starts_with("shut off") || Instant::now() > deadline {
                return state.trim().to_owned();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Writes `xml` to `file` and defines it with `virsh define`.
fn define(virsh: &Path, uri: &str, file: &Path, xml: &str) {
    std::fs::write(file, xml).unwrap();
    virsh_ok(virsh, uri, &["define", file.to_str().unwrap()]);
}

/// A 16 MiB qcow2 image `DIR/NAME.qcow2`, made with qemu-img.
fn qcow2_image(dir: &Path, name: &str) -> PathBuf {
    let image = dir.join(format!("{name}.qcow2"));
    let made = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2"])
        .arg(&image)
        .arg("16M")
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "qemu-img create {}", image.display());
    image
}

/// Whether a process exists (it is not ours: the daemon reaps its children, so a gone
/// QEMU has no /proc entry left behind).
fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The captured domains' definitions: (input, what libvirt 9.0 stored), with this
/// machine's virt type.
fn captured(name: &str) -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../qemu/tests/data/domains");
    let read = |f: String| {
        std::fs::read_to_string(dir.join(f)).unwrap().replace(
            "<domain type='kvm'>",
            &format!("<domain type='{}'>", virt_type()),
        )
    };
    (
        read(format!("{name}.xml")),
        read(format!("{name}.defined.xml")),
    )
}

/// UUIDs and generated MACs differ from run to run.
fn mask_generated(xml: &str) -> String {
    xml.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("<uuid>") {
                "  <uuid>MASKED</uuid>".to_owned()
            } else if t.starts_with("<mac address='52:54:00:") {
                format!("{}<mac address='MASKED'/>", &l[..l.len() - t.len()])
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn test_qemu_define_dumpxml_inactive_matches_libvirt_defaults() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    std::fs::create_dir_all(d.root()).unwrap();

    let results: Vec<(String, String, String)> = ["qd-min", "qd-disk", "qd-br", "qd-full"]
        .into_iter()
        .map(|name| {
            let (input, expected) = captured(name);
            define(
                &virsh,
                &uri(&d),
                &d.root().join(format!("{name}.xml")),
                &input,
            );
            let dumped = virsh_ok(&virsh, &uri(&d), &["dumpxml", name, "--inactive"]);
            (
                name.to_owned(),
                mask_generated(dumped.trim_end()),
                mask_generated(expected.trim_end()),
            )
        })
        .collect();

    for (name, got, want) in &results {
        assert_eq!(got, want, "{name}");
    }
}

/// qd-disk with its qcow2 image in the test's directory: QEMU opens it through
/// libvirt's two -blockdev layers and the domain runs.
#[test]
fn test_qemu_start_qcow2_disk_domain_runs() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let u = uri(&d);
    std::fs::create_dir_all(d.root()).unwrap();
    let image = qcow2_image(&d.root(), "qd-disk");
    let (input, _) = captured("qd-disk");
    let file = d.root().join("qd-disk.xml");
    std::fs::write(
        &file,
        input.replace(
            "/tmp/qemu-research/images/qd-disk.qcow2",
            image.to_str().unwrap(),
        ),
    )
    .unwrap();
    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);

    let started = run_virsh(&virsh, &u, &["start", "qd-disk"]);
    let state = virsh_ok(&virsh, &u, &["domstate", "qd-disk", "--reason"]);
    virsh_ok(&virsh, &u, &["destroy", "qd-disk"]);

    assert_eq!(
        (started.status, state.trim()),
        (0, "running (booted)"),
        "{started:?}"
    );
}

#[test]
fn test_qemu_lifecycle_start_suspend_resume_destroy_undefine() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let u = uri(&d);
    std::fs::create_dir_all(d.root()).unwrap();
    define(&virsh, &u, &d.root().join("vm.xml"), &qd_min("vm1"));

    let started = virsh_ok(&virsh, &u, &["start", "vm1"]);
    let booted = wait_state(&virsh, &u, "vm1", "running (booted)");
    let pid = pids(&d.root());
    let list = virsh_ok(&virsh, &u, &["list", "--all"]);
    virsh_ok(&virsh, &u, &["suspend", "vm1"]);
    let paused = wait_state(&virsh, &u, "vm1", "paused (user)");
    virsh_ok(&virsh, &u, &["resume", "vm1"]);
    let resumed = wait_state(&virsh, &u, "vm1", "running (unpaused)");
    let destroyed = virsh_ok(&virsh, &u, &["destroy", "vm1"]);
    let shutoff = wait_state(&virsh, &u, "vm1", "shut off (destroyed)");
    let undefined = virsh_ok(&virsh, &u, &["undefine", "vm1"]);
    let gone = run_virsh(&virsh, &u, &["domstate", "vm1"]);

    assert_eq!(started.trim(), "Domain 'vm1' started");
    assert_eq!(
        (booted, paused, resumed, shutoff),
        (
            "running (booted)".to_owned(),
            "paused (user)".to_owned(),
            "running (unpaused)".to_owned(),
            "shut off (destroyed)".to_owned()
        )
    );
    assert!(list.contains(" vm1 ") && list.contains("running"), "{list}");
    assert_eq!(destroyed.trim(), "Domain 'vm1' destroyed");
    assert_eq!(undefined.trim(), "Domain 'vm1' has been undefined");
    assert_eq!(pid.len(), 1);
    assert!(!process_exists(pid[0]), "QEMU {} still there", pid[0]);
    assert_eq!(
        (gone.status, gone.stderr.as_str()),
        (1, "error: failed to get domain 'vm1'\n")
    );
}

#[test]
fn test_qemu_start_with_missing_disk_reports_qemu_error_and_leaves_nothing() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let u = uri(&d);
    std::fs::create_dir_all(d.root()).unwrap();
    let file = d.root().join("bad.xml");
    let xml = qd_min("bad").replace(
        "</features>",
        "</features>\n  <devices>\n    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='/nonexistent/disk.img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>",
    );
    std::fs::write(&file, xml).unwrap();
    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);

    let start = run_virsh(&virsh, &u, &["start", "bad"]);
    let state = virsh_ok(&virsh, &u, &["domstate", "bad", "--reason"]);

    assert_eq!(start.status, 1);
    assert!(
        start.stderr.contains("error: Failed to start domain 'bad'")
            && start.stderr.contains("/nonexistent/disk.img"),
        "{start:?}"
    );
    assert_eq!(state.trim(), "shut off (failed)");
    assert!(pids(&d.root()).is_empty());
    let lib = d.root().join("var/lib/oxvirt/qemu");
    let leftovers: Vec<_> = std::fs::read_dir(&lib).unwrap().flatten().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn test_qemu_daemon_killed_with_five_vms_restart_reconnects_and_crash_is_reported() {
    let Some(virsh) = setup() else { return };
    let mut d = Daemon::start();
    let _guard = QemuGuard(d.root());
    std::fs::create_dir_all(d.root()).unwrap();
    let names = ["r1", "r2", "r3", "r4", "r5"];
    for name in names {
        define(
            &virsh,
            &uri(&d),
            &d.root().join(format!("{name}.xml")),
            &qd_min(name),
        );
        virsh_ok(&virsh, &uri(&d), &["start", name]);
    }
    virsh_ok(&virsh, &uri(&d), &["suspend", "r2"]);
    let pids_before = pids(&d.root());

    d.crash_and_restart();
    let u = uri(&d);
    let r1 = virsh_ok(&virsh, &u, &["domstate", "r1", "--reason"]);
    let r2 = virsh_ok(&virsh, &u, &["domstate", "r2", "--reason"]);
    let listed = virsh_ok(&virsh, &u, &["list", "--name"]);
    let defined = virsh_ok(&virsh, &u, &["list", "--all", "--name"]);
    let pids_after = pids(&d.root());
    virsh_ok(&virsh, &u, &["resume", "r2"]);
    let r2_resumed = wait_state(&virsh, &u, "r2", "running (unpaused)");
    // QEMU dies behind the daemon's back.
    let r1_pid = pids_after[0];
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(r1_pid),
        nix::sys::signal::Signal::SIGKILL,
    );
    let crashed = wait_state(&virsh, &u, "r1", "shut off (crashed)");
    for name in &names[1..] {
        virsh_ok(&virsh, &u, &["destroy", name]);
    }

    assert_eq!(
        (r1.trim(), r2.trim(), r2_resumed.as_str(), crashed.as_str()),
        (
            "running (booted)",
            "paused (user)",
            "running (unpaused)",
            "shut off (crashed)"
        )
    );
    // All 5 listed as running (the paused one too) and no definition lost.
    let mut running: Vec<&str> = listed.split_whitespace().collect();
    running.sort_unstable();
    let mut all: Vec<&str> = defined.split_whitespace().collect();
    all.sort_unstable();
    assert_eq!((running, all), (names.to_vec(), names.to_vec()));
    let mut a = pids_before.clone();
    let mut b = pids_after.clone();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "the same QEMUs after the restart");
}

/// Builds the ACPI guest of the QEMU spec (powers off on the power button) into `dir`.
fn acpi_guest(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/guest");
    let out = dir.join("acpiguest.elf");
    let built = std::process::Command::new("gcc")
        .args([
            "-m32",
            "-nostdlib",
            "-static",
            "-Wl,-T,link.ld",
            "-Wl,--build-id=none",
            "-o",
        ])
        .arg(&out)
        .arg("acpiguest.S")
        .current_dir(&src)
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        skip("cannot build the ACPI guest (gcc -m32)");
        return None;
    }
    Some(out)
}

/// `virsh event --all --loop` on its own connection, stopped (and its output returned)
/// by [`EventWatcher::finish`].
struct EventWatcher(std::process::Child);

impl EventWatcher {
    fn start(virsh: &Path, uri: &str) -> EventWatcher {
        let child = std::process::Command::new(virsh)
            .args(["-c", uri, "event", "--all", "--loop"])
            .env("LC_ALL", "C")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("virsh event");
        // virsh registers its callbacks right after connecting.
        std::thread::sleep(Duration::from_millis(300));
        EventWatcher(child)
    }

    fn finish(mut self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.0.kill();
        let out = self.0.wait_with_output().expect("virsh event output");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The acceptance sequence on a guest that cooperates (TCG: this guest needs interrupts
/// off and busy-polls, which nested KVM here does not run): define, start, suspend,
/// resume, reboot, reset, ACPI shutdown, start, destroy, undefine, as `virsh event` prints
/// them.
#[test]
fn test_qemu_events_follow_libvirt_sequence_with_acpi_guest() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let u = uri(&d);
    std::fs::create_dir_all(d.root()).unwrap();
    let Some(kernel) = acpi_guest(&d.root()) else {
        return;
    };
    let xml = format!(
        "<domain type='qemu'>
  <name>life</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{}</kernel>
  </os>
  <features>
    <acpi/>
  </features>
</domain>
",
        kernel.display()
    );
    let file = d.root().join("life.xml");
    std::fs::write(&file, xml).unwrap();
    let events = EventWatcher::start(&virsh, &u);

    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);
    virsh_ok(&virsh, &u, &["start", "life"]);
    virsh_ok(&virsh, &u, &["suspend", "life"]);
    virsh_ok(&virsh, &u, &["resume", "life"]);
    // Give the guest time to enable the power button before pressing it.
    std::thread::sleep(Duration::from_millis(500));
    virsh_ok(&virsh, &u, &["reboot", "life"]);
    std::thread::sleep(Duration::from_millis(500));
    let reset = virsh_ok(&virsh, &u, &["reset", "life"]);
    let after_reboot = virsh_ok(&virsh, &u, &["domstate", "life", "--reason"]);
    // The guest boots again after the reset; a press before it enables the button is lost.
    std::thread::sleep(Duration::from_millis(500));
    let after_shutdown = shutdown_until_off(&virsh, &u, "life");
    virsh_ok(&virsh, &u, &["start", "life"]);
    virsh_ok(&virsh, &u, &["destroy", "life"]);
    virsh_ok(&virsh, &u, &["undefine", "life"]);
    let lines = events.finish();

    let ev = |what: &str| format!("event '{what}' for domain 'life'");
    let lc = |what: &str| format!("{}: {what}", ev("lifecycle"));
    let lifecycle: Vec<&String> = lines.iter().filter(|l| l.contains("'lifecycle'")).collect();
    assert_eq!(
        lifecycle,
        [
            lc("Defined Added"),
            lc("Resumed Unpaused"),
            lc("Started Booted"),
            lc("Suspended Paused"),
            lc("Resumed Unpaused"),
            lc("Shutdown Finished after guest request"),
            lc("Stopped Shutdown"),
            lc("Resumed Unpaused"),
            lc("Started Booted"),
            lc("Shutdown Finished after host request"),
            lc("Stopped Destroyed"),
            lc("Undefined Removed"),
        ]
        .iter()
        .collect::<Vec<_>>(),
        "{lines:#?}"
    );
    assert!(lines.contains(&ev("reboot")), "{lines:#?}");
    assert_eq!(reset.trim(), "Domain 'life' was reset");
    assert_eq!(
        (after_reboot.trim(), after_shutdown.as_str()),
        // A reboot leaves the state as it was (resumed before it).
        ("running (unpaused)", "shut off (shutdown)")
    );
}

#[test]
fn test_qemu_define_with_missing_emulator_reports_libvirt_error() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    std::fs::create_dir_all(d.root()).unwrap();
    let file = d.root().join("noemu.xml");
    let xml = qd_min("noemu").replace(
        "</features>",
        "</features>\n  <devices>\n    <emulator>/nonexistent/qemu</emulator>\n  </devices>",
    );
    std::fs::write(&file, xml).unwrap();

    let o = run_virsh(&virsh, &uri(&d), &["define", file.to_str().unwrap()]);
    let list = virsh_ok(&virsh, &uri(&d), &["list", "--all", "--name"]);

    assert_eq!(
        (o.status, o.stderr.as_str()),
        (
            1,
            format!(
                "error: Failed to define domain from {}\nerror: Cannot check QEMU binary /nonexistent/qemu: No such file or directory\n",
                file.display()
            )
            .as_str()
        )
    );
    assert_eq!(list.trim(), "");
}

/// 16 clients (python3-libvirt threads, one connection each) race start, destroy and
/// undefine/define on the same four domains: every call either succeeds or fails with a
/// libvirt error, and at the end what the daemon reports matches the QEMUs that exist.
#[test]
fn test_qemu_sixteen_clients_racing_leave_consistent_state() {
    let Some(_virsh) = setup() else { return };
    let Some(py) = common::python_libvirt() else {
        return;
    };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let script = format!(
        r#"
import libvirt, random, sys, threading
libvirt.registerErrorHandler(lambda *a: None, None)
URI = {uri:?}
XML = {xml:?}
errors = []
def worker(seed):
    rnd = random.Random(seed)
    c = libvirt.open(URI)
    for _ in range(12):
        name = "race%d" % rnd.randrange(4)
        op = rnd.choice(["define", "start", "destroy", "undefine"])
        try:
            if op == "define":
                uuid = "<uuid>6f7a1c2e-0000-4000-8000-00000000000%s</uuid>" % name[-1]
                c.defineXML(XML.replace("@NAME@", name).replace("</name>", "</name>" + uuid))
            else:
                d = c.lookupByName(name)
                {{"start": d.create, "destroy": d.destroy, "undefine": d.undefine}}[op]()
        except libvirt.libvirtError as e:
            if e.get_error_code() not in (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_OPERATION_INVALID):
                errors.append("%s %s: %s" % (op, name, e))
    c.close()
ts = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
[t.start() for t in ts]
[t.join() for t in ts]
c = libvirt.open(URI)
active = sorted(d.name() for d in c.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE))
for d in c.listAllDomains(0):
    if d.isActive():
        d.destroy()
print(" ".join(active))
print("\n".join(errors), file=sys.stderr)
sys.exit(1 if errors else 0)
"#,
        uri = uri(&d),
        xml = qd_min("@NAME@"),
    );

    let out = std::process::Command::new(py)
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3");
    let reported: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let running_after = pids(&d.root());

    assert!(
        out.status.success(),
        "unexpected errors: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(reported.len() <= 4, "{reported:?}");
    assert!(
        running_after.is_empty(),
        "status files left: {running_after:?}"
    );
}

/// The live XML names every device as QEMU knows it and shows the pty QEMU opened; `virsh
/// ttyconsole` finds it there.
#[test]
fn test_qemu_live_xml_has_aliases_and_pty_paths() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let _guard = QemuGuard(d.root());
    let u = uri(&d);
    std::fs::create_dir_all(d.root()).unwrap();
    let file = d.root().join("tty.xml");
    let xml = qd_min("tty").replace(
        "</features>",
        "</features>\n  <devices>\n    <serial type='pty'/>\n    <console type='pty'/>\n  </devices>",
    );
    std::fs::write(&file, xml).unwrap();
    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);
    virsh_ok(&virsh, &u, &["start", "tty"]);

    let live = virsh_ok(&virsh, &u, &["dumpxml", "tty"]);
    let tty = virsh_ok(&virsh, &u, &["ttyconsole", "tty"]);
    let inactive = virsh_ok(&virsh, &u, &["dumpxml", "tty", "--inactive"]);
    virsh_ok(&virsh, &u, &["destroy", "tty"]);

    let tty = tty.trim();
    assert!(tty.starts_with("/dev/pts/"), "{tty:?}");
    for needle in [
        "<domain type='".to_owned(),
        "<alias name='usb'/>".to_owned(),
        "<alias name='pci.0'/>".to_owned(),
        "<alias name='serial0'/>".to_owned(),
        "<alias name='input0'/>".to_owned(),
        "<alias name='input1'/>".to_owned(),
        "<alias name='balloon0'/>".to_owned(),
        format!("<source path='{tty}'/>"),
        format!("<console type='pty' tty='{tty}'>"),
    ] {
        assert!(live.contains(&needle), "{needle} not in\n{live}");
    }
    assert!(live.lines().next().unwrap().contains(" id='"), "{live}");
    assert!(
        !inactive.contains("<alias") && !inactive.contains("/dev/pts"),
        "{inactive}"
    );
}

/// oxvirtd in a network namespace of its own holding bridge `br0`, so taps and bridges
/// never touch the machine's interfaces. Clients reach it through its unix socket.
struct NetnsDaemon {
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl NetnsDaemon {
    fn start() -> NetnsDaemon {
        let dir = tempfile::tempdir().unwrap();
        let script = format!(
            "ip link set lo up && ip link add br0 type bridge && ip link set br0 up && \
             exec {} --runtime-dir {d} --root {d}/root",
            env!("CARGO_BIN_EXE_oxvirtd"),
            d = dir.path().display()
        );
        let child = std::process::Command::new("unshare")
            .args(["-n", "sh", "-c", &script])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("unshare -n");
        let d = NetnsDaemon { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !d.dir.path().join("libvirt-sock").exists() {
            assert!(
                Instant::now() < deadline,
                "oxvirtd did not start in its netns"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    fn uri(&self) -> String {
        format!(
            "qemu+unix:///system?socket={}",
            self.dir.path().join("libvirt-sock").display()
        )
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// `ip -o link …` in the daemon's network namespace.
    fn links(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("nsenter")
            .args([
                "-t",
                &self.child.id().to_string(),
                "-n",
                "ip",
                "-o",
                "link",
                "show",
            ])
            .args(args)
            .output()
            .expect("nsenter");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for NetnsDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// qd-br: its NIC is a tap created on br0 before QEMU starts (named vnetN, shown in the
/// live XML and `domiflist`), gone when QEMU is; a bridge that does not exist gets
/// libvirt's error and leaves no tap; an ethernet NIC is a tap on no bridge.
#[test]
fn test_qemu_bridge_nic_tap_on_bridge_and_gone_after_destroy() {
    let Some(virsh) = setup() else { return };
    if common::which("unshare").is_none() || common::which("nsenter").is_none() {
        skip("unshare/nsenter (util-linux) not installed");
        return;
    }
    let d = NetnsDaemon::start();
    let _guard = QemuGuard(d.root());
    let u = d.uri();
    std::fs::create_dir_all(d.root()).unwrap();
    let (input, _) = captured("qd-br");
    let image = qcow2_image(&d.root(), "qd-br");
    let file = d.root().join("qd-br.xml");
    std::fs::write(
        &file,
        input.replace(
            "/tmp/qemu-research/images/qd-br.qcow2",
            image.to_str().unwrap(),
        ),
    )
    .unwrap();
    let bad = d.root().join("bad-br.xml");
    std::fs::write(
        &bad,
        qd_min("badbr").replace(
            "</features>",
            "</features>\n  <devices>\n    <interface type='bridge'>\n      <source bridge='br9'/>\n    </interface>\n  </devices>",
        ),
    )
    .unwrap();
    let eth = d.root().join("eth.xml");
    std::fs::write(
        &eth,
        qd_min("eth").replace(
            "</features>",
            "</features>\n  <devices>\n    <interface type='ethernet'>\n      <mac address='52:54:00:12:34:56'/>\n      <model type='virtio'/>\n    </interface>\n  </devices>",
        ),
    )
    .unwrap();
    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);
    virsh_ok(&virsh, &u, &["define", bad.to_str().unwrap()]);
    virsh_ok(&virsh, &u, &["define", eth.to_str().unwrap()]);

    virsh_ok(&virsh, &u, &["start", "eth"]);
    let eth_tap = d.links(&["vnet0"]);
    virsh_ok(&virsh, &u, &["destroy", "eth"]);
    virsh_ok(&virsh, &u, &["start", "qd-br"]);
    let on_bridge = d.links(&["master", "br0"]);
    let iflist = virsh_ok(&virsh, &u, &["domiflist", "qd-br"]);
    let live = virsh_ok(&virsh, &u, &["dumpxml", "qd-br"]);
    virsh_ok(&virsh, &u, &["destroy", "qd-br"]);
    let after_destroy = d.links(&["master", "br0"]);
    let bad_start = run_virsh(&virsh, &u, &["start", "badbr"]);
    let all_links = d.links(&[]);

    // The ethernet NIC's tap: the fe: MAC, up, on no bridge.
    assert!(
        eth_tap.contains("fe:54:00:12:34:56")
            && eth_tap.contains(",UP")
            && !eth_tap.contains("master"),
        "{eth_tap}"
    );
    assert!(on_bridge.contains("vnet0"), "{on_bridge}");
    assert!(
        iflist.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() == 5 && w[0] == "vnet0" && w[1] == "bridge" && w[2] == "br0" && w[3] == "virtio"
        }),
        "{iflist}"
    );
    assert!(
        live.contains("<target dev='vnet0'/>") && live.contains("<alias name='net0'/>"),
        "{live}"
    );
    assert!(!after_destroy.contains("vnet"), "{after_destroy}");
    assert_eq!(bad_start.status, 1);
    assert!(
        bad_start
            .stderr
            .contains("Cannot get interface MTU on 'br9': No such device"),
        "{bad_start:?}"
    );
    assert!(!all_links.contains("vnet"), "{all_links}");
}

/// libvirt's live XML of qd-full with what differs from run to run masked (UUID, id,
/// MACs, tap name, pty, VNC port), and without the two parts oxvirtd does not produce yet:
/// the CPU as QEMU really built it (`check='full'` and its features: the CPU check of a
/// start) and the DAC `<seclabel>` (no security driver yet).
fn normalise_live(xml: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = None;
    for l in xml.lines() {
        let t = l.trim_start();
        if let Some(end) = skipping {
            if t == end {
                skipping = None;
            }
            continue;
        }
        if t.starts_with("<cpu ") {
            skipping = Some("</cpu>");
            continue;
        }
        if t.starts_with("<seclabel ") {
            skipping = Some("</seclabel>");
            continue;
        }
        let masked = if t.starts_with("<domain ") {
            "<domain ID>".to_owned()
        } else if t.starts_with("<uuid>") {
            "<uuid/>".to_owned()
        } else if t.starts_with("<mac address=") {
            "<mac/>".to_owned()
        } else if t.starts_with("<target dev='vnet") {
            "<target dev='vnetN'/>".to_owned()
        } else if t.starts_with("<graphics ") {
            "<graphics/>".to_owned()
        } else if t.contains("/dev/pts/") {
            t.split("/dev/pts/").next().unwrap_or("").to_owned()
        } else {
            l.to_owned()
        };
        out.push(masked);
    }
    out.join("\n")
}

#[test]
fn test_qemu_full_live_xml_matches_libvirt() {
    let Some(virsh) = setup() else { return };
    if common::which("unshare").is_none() || common::which("nsenter").is_none() {
        skip("unshare/nsenter (util-linux) not installed");
        return;
    }
    let d = NetnsDaemon::start();
    let _guard = QemuGuard(d.root());
    let u = d.uri();
    std::fs::create_dir_all(d.root()).unwrap();
    let image = qcow2_image(&d.root(), "qd-full");
    let (input, _) = captured("qd-full");
    let path = "/tmp/qemu-research/images/qd-full.qcow2";
    let file = d.root().join("qd-full.xml");
    std::fs::write(&file, input.replace(path, image.to_str().unwrap())).unwrap();
    let expected = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../qemu/tests/data/domains/qd-full.live.xml"),
    )
    .unwrap()
    .replace(
        "<domain type='kvm'",
        &format!("<domain type='{}'", virt_type()),
    )
    .replace(path, image.to_str().unwrap());
    virsh_ok(&virsh, &u, &["define", file.to_str().unwrap()]);

    virsh_ok(&virsh, &u, &["start", "qd-full"]);
    let live = virsh_ok(&virsh, &u, &["dumpxml", "qd-full"]);
    virsh_ok(&virsh, &u, &["destroy", "qd-full"]);

    assert_eq!(
        normalise_live(live.trim_end()),
        normalise_live(expected.trim_end())
    );
}

#[test]
fn test_qemu_domcapabilities_default_alias_and_bad_machine() {
    let Some(virsh) = setup() else { return };
    let d = Daemon::start();
    let u = uri(&d);

    let default = virsh_ok(&virsh, &u, &["domcapabilities"]);
    let q35 = virsh_ok(&virsh, &u, &["domcapabilities", "--machine", "q35"]);
    let bad = run_virsh(&virsh, &u, &["domcapabilities", "--machine", "foo"]);

    assert!(
        default.contains("<path>/usr/bin/qemu-system-x86_64</path>")
            && default.contains("<machine>pc-i440fx-7.2</machine>")
            && default.contains("<vcpu max='255'/>"),
        "{default}"
    );
    assert!(q35.contains("<machine>pc-q35-7.2</machine>"), "{q35}");
    assert_eq!(
        (bad.status, bad.stderr.as_str()),
        (
            1,
            "error: failed to get emulator capabilities\nerror: invalid argument: the machine 'foo' is not supported by emulator '/usr/bin/qemu-system-x86_64'\n"
        )
    );
}

/// A domain marked autostart is started when the daemon starts (libvirt's link in
/// `autostart/`), and the flag survives the restart.
#[test]
fn test_qemu_autostart_domain_starts_with_the_daemon() {
    let Some(virsh) = setup() else { return };
    let mut d = Daemon::start();
    let _guard = QemuGuard(d.root());
    std::fs::create_dir_all(d.root()).unwrap();
    define(
        &virsh,
        &uri(&d),
        &d.root().join("auto.xml"),
        &qd_min("auto"),
    );
    let set = virsh_ok(&virsh, &uri(&d), &["autostart", "auto"]);
    let link = d.root().join("etc/oxvirt/qemu/autostart/auto.xml");
    let linked = link.exists();

    d.crash_and_restart();
    let u = uri(&d);
    let state = wait_state(&virsh, &u, "auto", "running (booted)");
    let info = virsh_ok(&virsh, &u, &["dominfo", "auto"]);
    virsh_ok(&virsh, &u, &["destroy", "auto"]);

    assert_eq!(set.trim(), "Domain 'auto' marked as autostarted");
    assert!(linked, "{} missing", link.display());
    assert_eq!(state, "running (booted)");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Autostart:") && l.ends_with("enable")),
        "{info}"
    );
}
