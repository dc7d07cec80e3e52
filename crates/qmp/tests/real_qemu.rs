//! The monitor against a real `qemu-system-x86_64` (no guest: `-machine none`, paused).

use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oxvirt_qmp::{CloseReason, Events, Monitor, MonitorOptions, QmpError};
use tokio::time::timeout;

const LONG: Duration = Duration::from_secs(20);

/// Kills and reaps QEMU unless the test reaped it already, so no failure path leaks it.
struct QemuGuard {
    child: Option<Child>,
}

impl QemuGuard {
    /// Waits (bounded) for QEMU to exit by itself and returns its status.
    async fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let child = self.child.as_mut().expect("child already reaped");
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status;
            }
            assert!(start.elapsed() < limit, "QEMU did not exit after quit");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for QemuGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Connects as soon as QEMU's socket accepts; fails early if QEMU died.
async fn connect(guard: &mut QemuGuard, sock: &Path, log: &Path) -> (Monitor, Events) {
    let start = Instant::now();
    loop {
        match Monitor::connect_with(sock, &MonitorOptions::default()).await {
            Ok(pair) => return pair,
            Err(QmpError::Connect { .. }) if start.elapsed() < LONG => {
                if let Some(status) = guard.child.as_mut().unwrap().try_wait().unwrap() {
                    guard.child = None;
                    panic!(
                        "QEMU exited with {status}: {}",
                        std::fs::read_to_string(log).unwrap_or_default()
                    );
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!(
                "cannot connect to QEMU's monitor: {e:?}; log: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        }
    }
}

#[tokio::test]
async fn test_real_qemu_monitor_session_ends_with_shutdown() {
    let Some(qemu) = oxvirt_testutil::which("qemu-system-x86_64") else {
        oxvirt_testutil::skip("qemu-system-x86_64 not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("mon.sock");
    let log = dir.path().join("qemu.log");
    let child = Command::new(qemu)
        .args([
            "-machine",
            "none",
            "-accel",
            "tcg",
            "-nodefaults",
            "-display",
            "none",
            "-S",
            "-chardev",
        ])
        .arg(format!(
            "socket,id=mon,path={},server=on,wait=off",
            sock.display()
        ))
        .args(["-mon", "chardev=mon,mode=control"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut guard = QemuGuard { child: Some(child) };

    let (m, mut ev) = connect(&mut guard, &sock, &log).await;
    assert!(m.greeting().version.major >= 7, "{:?}", m.greeting());

    let st = timeout(LONG, m.query_status()).await.unwrap().unwrap();
    assert!(!st.running);
    assert_eq!(st.status, "prelaunch");

    let err = timeout(LONG, m.execute("oxvirt-no-such-command", None))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, QmpError::Command { class, command, .. }
                 if class == "CommandNotFound" && command == "oxvirt-no-such-command"),
        "{err:?}"
    );

    let (_r, w) = nix::unistd::pipe().unwrap();
    timeout(LONG, m.getfd("oxvirt-test-fd", w.as_fd()))
        .await
        .unwrap()
        .unwrap();
    timeout(LONG, m.closefd("oxvirt-test-fd"))
        .await
        .unwrap()
        .unwrap();
    // The name is gone with the descriptor: a second closefd is QEMU's error.
    let err = timeout(LONG, m.closefd("oxvirt-test-fd"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, QmpError::Command { .. }), "{err:?}");

    timeout(LONG, m.quit()).await.unwrap().unwrap();
    let shutdown = loop {
        let e = timeout(LONG, ev.recv())
            .await
            .unwrap()
            .expect("SHUTDOWN before the monitor closed");
        if e.name == "SHUTDOWN" {
            break e;
        }
    };
    assert_eq!(shutdown.data["reason"], "host-qmp-quit");
    let reason = timeout(LONG, m.closed()).await.unwrap();
    assert!(matches!(reason, CloseReason::Eof), "{reason:?}");
    let status = guard.wait_exit(LONG).await;
    assert!(status.success(), "{status}");
}
