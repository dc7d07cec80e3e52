//! The probe and the cache against the real `qemu-system-x86_64`, and the probe's failure
//! paths against stand-in scripts. Every test that starts a process holds [`SPAWN`], so
//! the check that no child is left behind sees only its own children.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oxvirt_qemu::caps::{CapsCache, CapsError, CapsSource, probe, probe_with_timeout};
use serde_json::Value;

const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// Serializes the tests that start processes (see the module docs).
static SPAWN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn qemu() -> Option<&'static Path> {
    let p = Path::new(QEMU);
    if p.exists() {
        Some(p)
    } else {
        oxvirt_testutil::skip("/usr/bin/qemu-system-x86_64 is not installed");
        None
    }
}

/// Our children, live or zombie, as (pid, name): none may remain after a probe.
fn children() -> Vec<(u32, String)> {
    let me = std::process::id();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) {
            let comm = head.split_once('(').map(|(_, c)| c).unwrap_or("");
            out.push((pid, comm.to_owned()));
        }
    }
    out
}

fn assert_no_children() {
    let left = children();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[tokio::test]
async fn test_probe_real_qemu_reports_version_arch_and_pc_alias() {
    let Some(qemu) = qemu() else { return };
    let _g = SPAWN.lock().await;
    let start = Instant::now();
    let caps = probe(qemu).await.unwrap();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "probe of {QEMU}: {ms:.1} ms (QEMU {}.{}.{}, kvm={}, {} machines, {} CPU models)",
        caps.version.0,
        caps.version.1,
        caps.version.2,
        caps.kvm,
        caps.machines.len(),
        caps.cpu_models.len()
    );
    assert!(caps.version.0 >= 7, "{:?}", caps.version);
    assert_eq!(caps.arch, "x86_64");
    assert_eq!(caps.emulator, Path::new(QEMU));
    let default = caps.default_machine().expect("a default machine");
    assert_eq!(default.alias.as_deref(), Some("pc"));
    assert_eq!(caps.canonical_machine("pc").unwrap().name, default.name);
    assert!(caps.machines.iter().all(|m| m.name != "none"));
    assert!(caps.cpu_model("qemu64").is_some());
    // KVM in the caps follows /dev/kvm usability.
    assert_eq!(caps.kvm, caps.identity.kvm_usable, "{:?}", caps.identity);
    assert_no_children();
}

#[tokio::test]
async fn test_caps_cache_new_instance_loads_file_without_probe() {
    let Some(qemu) = qemu() else { return };
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("qemu/capabilities");

    // First lookup probes and writes the file, 0600.
    let cache = CapsCache::new(dir.clone());
    let (first, source) = cache.lookup(qemu).await.unwrap();
    assert_eq!(source, CapsSource::Probe);
    assert_eq!(cache.probe_count(), 1);
    let file = cache.file_path(qemu);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_no_children();

    // Same cache: memory.
    let (again, source) = cache.lookup(qemu).await.unwrap();
    assert_eq!(source, CapsSource::Memory);
    assert!(std::sync::Arc::ptr_eq(&first, &again));

    // A new cache on the same directory (a daemon restart): the file, no QEMU.
    let restarted = CapsCache::new(dir.clone());
    let start = Instant::now();
    let (loaded, source) = restarted.lookup(qemu).await.unwrap();
    println!(
        "cache file load: {:.2} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(source, CapsSource::File);
    assert_eq!(restarted.probe_count(), 0);
    assert_eq!(*loaded, *first);

    // A file whose identity no longer matches the binary is probed again and replaced.
    let mut json: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let size = json["identity"]["size"].as_u64().unwrap();
    json["identity"]["size"] = Value::from(size + 1);
    std::fs::write(&file, serde_json::to_vec(&json).unwrap()).unwrap();
    let stale = CapsCache::new(dir.clone());
    let (reprobed, source) = stale.lookup(qemu).await.unwrap();
    assert_eq!(source, CapsSource::Probe);
    assert_eq!(stale.probe_count(), 1);
    assert_eq!(reprobed.identity, first.identity);
    let rewritten: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(rewritten["identity"]["size"].as_u64(), Some(size));

    // A damaged file counts as no file.
    std::fs::write(&file, b"{not json").unwrap();
    let damaged = CapsCache::new(dir);
    assert_eq!(damaged.lookup(qemu).await.unwrap().1, CapsSource::Probe);
    assert_no_children();
}

#[tokio::test]
async fn test_caps_cache_concurrent_gets_share_one_probe() {
    let Some(qemu) = qemu() else { return };
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let cache = CapsCache::new(tmp.path().to_owned());
    let (a, b, c) = tokio::join!(cache.get(qemu), cache.get(qemu), cache.get(qemu));
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(cache.probe_count(), 1);
    assert!(std::sync::Arc::ptr_eq(&a, &b) && std::sync::Arc::ptr_eq(&b, &c));
    assert_no_children();
}

#[tokio::test]
async fn test_probe_silent_binary_times_out_and_is_reaped() {
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    // Holds the monitor socket open and never greets.
    let fake = script(tmp.path(), "qemu-system-x86_64", "exec sleep 60");
    let start = Instant::now();
    let err = probe_with_timeout(&fake, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(err, CapsError::Timeout { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        err.to_vir().message,
        format!(
            "internal error: Failed to probe capabilities for {}: no answer within 300 ms",
            fake.display()
        )
    );
    assert_no_children();
}

#[tokio::test]
async fn test_probe_failing_binary_reports_its_stderr() {
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let fake = script(
        tmp.path(),
        "qemu-system-x86_64",
        "echo 'qemu-system-x86_64: -machine none: unsupported machine' >&2\nexit 1",
    );
    let err = probe(&fake).await.unwrap_err();
    assert!(
        matches!(&err, CapsError::Exited { detail, .. }
                 if detail == "qemu-system-x86_64: -machine none: unsupported machine"),
        "{err:?}"
    );
    assert_no_children();
}

#[tokio::test]
async fn test_probe_abandoned_future_kills_and_reaps_qemu() {
    let Some(qemu) = qemu() else { return };
    let _g = SPAWN.lock().await;
    // Dropped while QEMU is starting: the process must not outlive the probe.
    let r = tokio::time::timeout(Duration::from_millis(5), probe(qemu)).await;
    assert!(r.is_err(), "the probe should not finish in 5 ms");
    // Reaping after the kill happens on a blocking thread: give it a moment.
    let start = Instant::now();
    while !children().is_empty() && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_no_children();
}

#[test]
fn test_find_emulators_this_host_lists_x86_64_first() {
    let Some(qemu) = qemu() else { return };
    let found = oxvirt_qemu::caps::find_emulators();
    assert_eq!(found.first().map(PathBuf::as_path), Some(qemu), "{found:?}");
    // Only architectures libvirt knows: not qemu-system-x86_64-microvm.
    assert!(
        found
            .iter()
            .all(|p| !p.to_string_lossy().ends_with("-microvm")),
        "{found:?}"
    );
}

#[tokio::test]
async fn test_caps_cache_installed_binaries_make_capabilities_xml() {
    let Some(_) = qemu() else { return };
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let cache = CapsCache::new(tmp.path().to_owned());
    let start = Instant::now();
    let all = cache.get_installed().await;
    let host = oxvirt_qemu::caps::host_facts();
    let xml = oxvirt_qemu::caps::capabilities_xml(&host, &all);
    println!(
        "capabilities of {} binaries, cold cache: {:.1} ms",
        all.len(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    let found = oxvirt_qemu::caps::find_emulators();
    assert_eq!(all.len(), found.len());
    assert_eq!(cache.probe_count(), found.len() as u64);
    assert_eq!(xml.matches("<guest>").count(), found.len());
    assert!(xml.contains("<emulator>/usr/bin/qemu-system-x86_64</emulator>"));
    assert!(oxvirt_xml::parse_document(&xml).is_ok(), "{xml}");
    assert_no_children();
}

/// A stand-in QEMU in Python: greets, answers every command like QEMU 7.2 would (empty
/// results), except `query-kvm`, which fails; then stays alive until killed.
const FAKE_QMP: &str = r#"
import json, socket, sys, time
fd = int([a for a in sys.argv if a.startswith("socket,")][0].split("fd=")[1])
s = socket.socket(fileno=fd)
f = s.makefile("rwb", buffering=0)
f.write(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n')
for line in f:
    cmd = json.loads(line)
    if cmd["execute"] == "query-kvm":
        reply = {"error": {"class": "GenericError", "desc": "no KVM here"}}
    else:
        reply = {"return": {}}
    reply["id"] = cmd["id"]
    f.write(json.dumps(reply).encode() + b"\r\n")
time.sleep(60)
"#;

#[tokio::test]
async fn test_probe_error_reply_is_monitor_error_and_qemu_is_killed() {
    let Some(python) = oxvirt_testutil::which("python3") else {
        oxvirt_testutil::skip("python3 is not installed");
        return;
    };
    let _g = SPAWN.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let py = tmp.path().join("fake_qmp.py");
    std::fs::write(&py, FAKE_QMP).unwrap();
    let fake = script(
        tmp.path(),
        "qemu-system-x86_64",
        &format!("exec {} {} \"$@\"", python.display(), py.display()),
    );
    let start = Instant::now();
    let err = probe(&fake).await.unwrap_err();
    assert!(
        matches!(&err, CapsError::Monitor { source: oxvirt_qmp::QmpError::Command { command, desc, .. }, .. }
                 if command == "query-kvm" && desc == "no KVM here"),
        "{err:?}"
    );
    // No grace period for a QEMU that is alive and answering: killed at once.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        err.to_vir().message,
        format!(
            "internal error: Failed to probe capabilities for {}: \
             Unable to execute QEMU command 'query-kvm': no KVM here",
            fake.display()
        )
    );
    assert_no_children();
}
