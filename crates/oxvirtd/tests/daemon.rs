//! The daemon process itself: signals, socket files, a second instance.

mod common;

use common::Daemon;
use common::raw::RawConn;
use std::process::Command;
use std::time::Duration;

/// REMOTE_PROC_AUTH_LIST: answered before anything is open.
const AUTH_LIST: i32 = 66;

#[test]
fn test_daemon_sigterm_with_client_connected_exits_and_removes_sockets() {
    let mut d = Daemon::start();
    let mut client = RawConn::unix(&d.socket());
    client.call_ok(AUTH_LIST, 0, &[]);
    let status = d.terminate(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "daemon did not exit cleanly: {status:?}"
    );
    assert!(!d.socket().exists() && !d.ro_socket().exists());
}

#[test]
fn test_daemon_second_instance_on_live_sockets_is_refused() {
    let d = Daemon::start();
    let out = Command::new(env!("CARGO_BIN_EXE_oxvirtd"))
        .arg("--runtime-dir")
        .arg(d.runtime_dir())
        .output()
        .expect("run oxvirtd");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("Another daemon is already listening"),
        "{stderr}"
    );
    let mut client = RawConn::unix(&d.socket());
    client.call_ok(AUTH_LIST, 0, &[]);
}

#[test]
fn test_daemon_stale_socket_file_is_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = dir.path().join("libvirt-sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).expect("bind"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_oxvirtd"))
        .arg("--runtime-dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // The daemon prints its socket once it listens.
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    std::io::BufRead::read_line(&mut stdout, &mut line).expect("read");
    let mut client = RawConn::unix(&stale);
    client.call_ok(AUTH_LIST, 0, &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("oxvirtd listening on "), "{line}");
}
