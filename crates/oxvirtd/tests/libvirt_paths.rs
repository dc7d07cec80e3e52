//! `oxvirtd --libvirt-paths`: stock clients with default URIs reach oxvirtd at libvirt's own
//! socket paths, and a second daemon is refused while the first holds them.
//!
//! Runs in a mount namespace of its own whose mounts cannot propagate back, with a tmpfs
//! over `/run`, so the machine's `/run/libvirt` (and an installed libvirtd) is never
//! touched: the daemon is started by `unshare`, clients enter its mount namespace with
//! `nsenter -m`.

mod common;

use common::{skip, virsh, which};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// oxvirtd in its own mount namespace, killed and reaped on drop.
struct NsDaemon {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for NsDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NsDaemon {
    fn start() -> NsDaemon {
        let dir = tempfile::tempdir().unwrap();
        let script = format!(
            "mount -t tmpfs tmpfs /run && exec {} --libvirt-paths --root {}",
            env!("CARGO_BIN_EXE_oxvirtd"),
            dir.path().display()
        );
        let mut args = isolation().to_vec();
        args.extend(["sh", "-c", &script]);
        let child = Command::new("unshare")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("unshare");
        let d = NsDaemon { child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !d
            .in_ns(&["test", "-S", "/run/libvirt/libvirt-sock"])
            .status
            .success()
        {
            assert!(Instant::now() < deadline, "no socket at /run/libvirt");
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// Runs `cmd` in the daemon's mount namespace.
    fn in_ns(&self, cmd: &[&str]) -> Output {
        // -r: the daemon's root too. Entering a mount namespace alone resets the root to
        // the namespace's, which is not the daemon's inside a chroot.
        Command::new("nsenter")
            .arg("-t")
            .arg(self.child.id().to_string())
            .args(["-m", "-r"])
            .args(cmd)
            .env("LC_ALL", "C")
            .env_remove("LIBVIRT_DEFAULT_URI")
            .output()
            .expect("nsenter")
    }
}

/// How to get a mount namespace whose mounts cannot reach the machine's: private
/// propagation where `/` is a mount point; where it is not (a chroot), only if no mount we
/// can see is shared (the pristine-root check runs inside a private namespace already).
fn isolation_args() -> Option<&'static [&'static str]> {
    const PRIVATE: &[&str] = &["--mount", "--propagation", "private"];
    const UNCHANGED: &[&str] = &["--mount", "--propagation", "unchanged"];
    let private_works = Command::new("unshare")
        .args(PRIVATE)
        .arg("true")
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if private_works {
        return Some(PRIVATE);
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    (!mountinfo.contains(" shared:")).then_some(UNCHANGED)
}

fn isolation() -> &'static [&'static str] {
    isolation_args().expect("checked by setup()")
}

fn setup() -> Option<()> {
    if !nix::unistd::geteuid().is_root() {
        skip("mount namespaces need root");
        return None;
    }
    if which("unshare").is_none() || which("nsenter").is_none() {
        skip("unshare/nsenter (util-linux) not installed");
        return None;
    }
    if isolation_args().is_none() {
        skip("no mount namespace here whose mounts stay private");
        return None;
    }
    virsh().map(|_| ())
}

#[test]
fn test_libvirt_paths_default_uri_reaches_oxvirtd() {
    if setup().is_none() {
        return;
    }
    let d = NsDaemon::start();
    let xml = d._dir.path().join("vm.xml");
    std::fs::write(
        &xml,
        "<domain type='qemu'><name>vm</name><memory unit='MiB'>64</memory>\
         <os><type arch='x86_64'>hvm</type></os></domain>",
    )
    .unwrap();

    let uri = d.in_ns(&["virsh", "-c", "qemu:///system", "uri"]);
    let define = d.in_ns(&[
        "virsh",
        "-c",
        "qemu:///system",
        "define",
        xml.to_str().unwrap(),
    ]);
    let list = d.in_ns(&["virsh", "-c", "qemu:///system", "list", "--all", "--name"]);

    assert_eq!(
        String::from_utf8_lossy(&uri.stdout).trim(),
        "qemu:///system"
    );
    assert!(define.status.success(), "{define:?}");
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "vm");
    // The definition went to the daemon's --root, not to the machine's /etc.
    assert!(Path::new(&d._dir.path().join("etc/oxvirt/qemu/vm.xml")).exists());
}

#[test]
fn test_libvirt_paths_second_daemon_is_refused_with_a_clear_message() {
    if setup().is_none() {
        return;
    }
    let d = NsDaemon::start();

    let second = d.in_ns(&[
        env!("CARGO_BIN_EXE_oxvirtd"),
        "--libvirt-paths",
        "--root",
        d._dir.path().join("other").to_str().unwrap(),
    ]);

    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("Another daemon is already listening on /run/libvirt/libvirt-sock"),
        "{err}"
    );
}

/// As a user, libvirt's session socket: `$XDG_RUNTIME_DIR/libvirt/libvirt-sock`. Stock virsh
/// run as that user reaches oxvirtd with remote URIs that name no socket, and its default
/// session URI gets oxvirtd's answer (qemu:///session is not served yet).
#[test]
fn test_libvirt_paths_user_session_socket_reaches_oxvirtd() {
    if !nix::unistd::geteuid().is_root() {
        skip("needs root to run the daemon and virsh as another user");
        return;
    }
    if which("setpriv").is_none() {
        skip("setpriv (util-linux) not installed");
        return;
    }
    let Some(_) = virsh() else { return };
    let dir = tempfile::tempdir().unwrap();
    let nobody = nix::unistd::Uid::from_raw(65534);
    nix::unistd::chown(
        dir.path(),
        Some(nobody),
        Some(nix::unistd::Gid::from_raw(65534)),
    )
    .unwrap();
    let as_nobody = |prog: &str| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", prog])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("LC_ALL", "C");
        c
    };
    let mut daemon = as_nobody(env!("CARGO_BIN_EXE_oxvirtd"))
        .arg("--libvirt-paths")
        .stdout(Stdio::null())
        .spawn()
        .expect("oxvirtd as nobody");
    let sock = dir.path().join("libvirt/libvirt-sock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(&sock).is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }

    let list = as_nobody("virsh")
        .args(["-c", "test+unix:///default", "list", "--name"])
        .output()
        .unwrap();
    let session = as_nobody("virsh")
        .args(["-c", "qemu:///session", "uri"])
        .output()
        .unwrap();
    let _ = daemon.kill();
    let _ = daemon.wait();

    assert_eq!(
        String::from_utf8_lossy(&list.stdout).trim(),
        "test",
        "{list:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&session.stderr),
        "error: failed to connect to the hypervisor\nerror: no connection driver available for qemu:///session\n"
    );
}
