//! The probe itself: one paused QEMU, five queries, `quit`, reap (SPEC §3.4).
//!
//! The monitor is a socketpair: QEMU inherits one end as a descriptor and uses it as a
//! connected client socket (`-chardev socket,fd=N` without `server=on`), so there is no
//! socket path, no listening, no `accept` and no waiting for a file to appear. QEMU is
//! not daemonized: it is our child, and its exit is waited for (never polled).

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use oxvirt_qmp::{Monitor, MonitorOptions, QmpError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::parse::{arch_order, libvirt_arch};
use super::{BinaryIdentity, CapsError, ProbeReplies, QemuCaps, sys};

/// How long a whole probe may take before QEMU is killed: libvirt's monitor wait (30 s).
/// A probe takes ≈0.1 s; the margin is for a host busy starting many guests.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a QEMU that failed us gets to exit by itself before it is killed, so that its
/// standard error can explain the failure.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How long to wait for a `SIGKILL`ed process to exit before reaping is left to a
/// background thread.
const KILL_WAIT: Duration = Duration::from_secs(10);

/// How much of QEMU's standard error is kept for an error message.
const STDERR_LIMIT: usize = 16 * 1024;

/// Probes `emulator` within [`PROBE_TIMEOUT`]; see [`probe_with_timeout`].
pub async fn probe(emulator: &Path) -> Result<QemuCaps, CapsError> {
    probe_with_timeout(emulator, PROBE_TIMEOUT).await
}

/// Probes `emulator`: checks the binary, starts it paused with `-machine none`, sends
/// `query-version`, `query-target`, `query-kvm`, `query-machines` and
/// `query-cpu-definitions` back to back, then `quit`, and reaps it.
///
/// Everything from spawn to exit is bounded by `limit`; past it QEMU is killed, reaped,
/// and [`CapsError::Timeout`] returned. If the returned future is dropped early, QEMU is
/// killed and reaped as well. Nothing is cached; see [`super::CapsCache`].
pub async fn probe_with_timeout(emulator: &Path, limit: Duration) -> Result<QemuCaps, CapsError> {
    // Taken before the probe: if the binary is replaced meanwhile, the next lookup sees a
    // different identity and probes again.
    let identity = BinaryIdentity::current(emulator)?;
    let started = std::time::Instant::now();
    let replies = run(emulator, limit).await?;
    let caps = QemuCaps::from_replies(emulator.to_owned(), identity, &replies)?;
    debug!(
        emulator = %emulator.display(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        machines = caps.machines.len(),
        cpu_models = caps.cpu_models.len(),
        kvm = caps.kvm,
        "probed QEMU capabilities"
    );
    Ok(caps)
}

async fn run(emulator: &Path, limit: Duration) -> Result<ProbeReplies, CapsError> {
    let deadline = Instant::now() + limit;
    let path = || emulator.to_path_buf();
    let (ours, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|errno| CapsError::Socket {
        path: path(),
        errno,
    })?;
    // A daemon started with stdio closed can get descriptor 0-2 here, which the child's
    // stdio set-up would overwrite before exec; std duplicates to 3 or above.
    let theirs = if theirs.as_raw_fd() < 3 {
        let dup = theirs.try_clone();
        drop(theirs);
        dup.map_err(|e| CapsError::Socket {
            path: path(),
            errno: e.raw_os_error().map_or(Errno::EMFILE, Errno::from_raw),
        })?
    } else {
        theirs
    };

    let mut cmd = command(emulator, &theirs);
    let child = cmd.spawn().map_err(|source| CapsError::Spawn {
        path: path(),
        source,
    })?;
    // QEMU has its copy; ours would keep the socket open after QEMU is gone.
    drop(theirs);
    let mut proc = ProbeProcess::new(child);

    match tokio::time::timeout_at(deadline, converse(ours, limit)).await {
        Ok(Ok(replies)) => {
            // `quit` was answered (or the socket closed): QEMU exits within milliseconds.
            if proc.wait_until(deadline).await.is_none() {
                warn!(emulator = %emulator.display(), "QEMU did not exit after quit; killing it");
                proc.kill_and_reap().await;
            }
            Ok(replies)
        }
        Ok(Err(source)) => {
            // A closed monitor most often means QEMU died (bad binary, bad option): give
            // it a moment to finish so that its standard error can say why. A QEMU that
            // answered with an error is alive and has nothing more to say.
            let exited = if matches!(source, QmpError::Closed) {
                proc.wait_until(deadline.min(Instant::now() + EXIT_GRACE))
                    .await
            } else {
                None
            };
            let Some(status) = exited else {
                proc.kill_and_reap().await;
                return Err(CapsError::Monitor {
                    path: path(),
                    source,
                });
            };
            let stderr = proc.stderr().await;
            if stderr.is_empty() && status.success() {
                return Err(CapsError::Monitor {
                    path: path(),
                    source,
                });
            }
            let detail = if stderr.is_empty() {
                format!("QEMU ended with {status}")
            } else {
                stderr
            };
            Err(CapsError::Exited {
                path: path(),
                detail,
            })
        }
        Err(_elapsed) => {
            proc.kill_and_reap().await;
            Err(CapsError::Timeout {
                path: path(),
                after: limit,
            })
        }
    }
}

/// The probe's command line: libvirt's (`virQEMUCapsInitQMPCommandRun`) minus the
/// daemonize and pidfile dance, with the monitor on an inherited descriptor.
fn command(emulator: &Path, monitor: &OwnedFd) -> Command {
    let fd = monitor.as_raw_fd();
    let mut cmd = Command::new(emulator);
    cmd.args([
        "-S",
        "-no-user-config",
        "-nodefaults",
        "-nographic",
        "-machine",
        "none,accel=kvm:tcg",
        "-chardev",
    ])
    .arg(format!("socket,id=mon,fd={fd}"))
    .args(["-mon", "chardev=mon,mode=control"])
    // libvirt's environment for QEMU: C locale, and only PATH and HOME passed on.
    .env_clear()
    .env("LC_ALL", "C")
    .env(
        "PATH",
        std::env::var_os("PATH")
            .unwrap_or_else(|| OsString::from("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin")),
    )
    .env(
        "HOME",
        std::env::var_os("HOME").unwrap_or_else(|| OsString::from("/")),
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    sys::keep_fd_on_exec(&mut cmd, fd);
    cmd
}

/// The QMP side: greeting and `qmp_capabilities` (done by [`Monitor::from_std`]), the
/// five queries in flight together, then `quit`.
async fn converse(sock: OwnedFd, limit: Duration) -> Result<ProbeReplies, QmpError> {
    let mut opts = MonitorOptions::default();
    // The probe's own limit (the caller's timeout around the whole conversation) is what
    // ends a silent QEMU; the handshake's must not race it to a different error.
    opts.handshake_timeout = limit + Duration::from_secs(5);
    let (mon, _events) =
        Monitor::from_std(std::os::unix::net::UnixStream::from(sock), &opts).await?;
    // join! polls every future before any reply can arrive, so the five commands are
    // queued together and QEMU gets them back to back: one round trip, not five.
    let (version, target, kvm, machines, cpu_definitions) = tokio::join!(
        mon.execute("query-version", None),
        mon.execute("query-target", None),
        mon.execute("query-kvm", None),
        mon.execute("query-machines", None),
        mon.execute("query-cpu-definitions", None),
    );
    let replies = ProbeReplies {
        version: version?,
        target: target?,
        kvm: kvm?,
        machines: machines?,
        cpu_definitions: cpu_definitions?,
    };
    mon.quit().await?;
    Ok(replies)
}

/// The probe's QEMU child: knows when it exited, keeps its standard error, and kills and
/// reaps it if dropped before it was reaped, so no path leaves a process behind.
struct ProbeProcess {
    /// `None` once reaped.
    child: Option<Child>,
    /// Completes when the child has exited (not yet reaped); `None` once it did.
    exited: Option<oneshot::Receiver<()>>,
    stderr: Option<JoinHandle<String>>,
}

impl ProbeProcess {
    fn new(mut child: Child) -> ProbeProcess {
        let pid = child.id();
        let (tx, exited) = oneshot::channel();
        // A blocking thread per probe (tokio has no child support here): it only waits,
        // and returns as soon as QEMU exits, which the timeout path guarantees.
        tokio::task::spawn_blocking(move || {
            sys::wait_exited_unreaped(pid);
            let _ = tx.send(());
        });
        let stderr = child
            .stderr
            .take()
            .map(|e| tokio::task::spawn_blocking(move || read_stderr(e)));
        ProbeProcess {
            child: Some(child),
            exited: Some(exited),
            stderr,
        }
    }

    /// Waits for the exit until `deadline`; on exit reaps the child and returns its status.
    async fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        if let Some(exited) = self.exited.as_mut() {
            if tokio::time::timeout_at(deadline, exited).await.is_err() {
                return None;
            }
            // Completed (or the watcher thread is gone): never poll it again.
            self.exited = None;
        }
        let status = match child.try_wait() {
            Ok(Some(status)) => status,
            // Still running although the watcher ended: only possible if the watcher
            // panicked; the caller kills, and Drop reaps.
            Ok(None) => return None,
            // Someone else reaped it (ECHILD): all we know is that it is gone.
            Err(_) => ExitStatusExt::from_raw(libc::SIGKILL),
        };
        self.child = None;
        Some(status)
    }

    /// `SIGKILL`, then reap. The child is not reaped before this returns (only
    /// [`Self::wait_until`] reaps), so the pid cannot belong to another process.
    async fn kill_and_reap(&mut self) -> ExitStatus {
        let Some(child) = self.child.as_mut() else {
            return ExitStatusExt::from_raw(libc::SIGKILL);
        };
        if let Err(e) = child.kill() {
            warn!(pid = child.id(), error = %e, "cannot kill QEMU probe process");
        }
        match self.wait_until(Instant::now() + KILL_WAIT).await {
            Some(status) => status,
            None => {
                // Stuck in the kernel: reap it in the background rather than block here.
                if let Some(mut child) = self.child.take() {
                    warn!(pid = child.id(), "QEMU probe process ignores SIGKILL");
                    tokio::task::spawn_blocking(move || child.wait());
                }
                ExitStatusExt::from_raw(libc::SIGKILL)
            }
        }
    }

    /// QEMU's standard error, trimmed (available once it exited).
    async fn stderr(&mut self) -> String {
        let Some(handle) = self.stderr.take() else {
            return String::new();
        };
        match tokio::time::timeout(Duration::from_secs(1), handle).await {
            Ok(Ok(text)) => text.trim().to_owned(),
            _ => String::new(),
        }
    }
}

impl Drop for ProbeProcess {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // The probe was abandoned (its future dropped): QEMU must not outlive it.
        let _ = child.kill();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn_blocking(move || child.wait());
            }
            Err(_) => {
                let _ = child.wait();
            }
        }
    }
}

/// Reads the child's standard error to its end, keeping the first [`STDERR_LIMIT`] bytes.
fn read_stderr(mut stderr: ChildStderr) -> String {
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stderr.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = STDERR_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The QEMU system emulators installed in `/usr/local/bin` and `/usr/bin`, searched in
/// `PATH` order (a directory not on `PATH` comes last), the first of a name winning;
/// `qemu-system-x86_64` first, the others in libvirt's architecture order.
///
/// Only `qemu-system-ARCH` names whose ARCH libvirt knows are listed (not
/// `qemu-system-x86_64-microvm`), as libvirt looks binaries up by architecture.
/// Without `qemu-system-x86_64`, RHEL's `/usr/libexec/qemu-kvm` stands in for it.
pub fn find_emulators() -> Vec<PathBuf> {
    let dirs = search_dirs(std::env::var_os("PATH").as_deref());
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| {
                n.strip_prefix("qemu-system-")
                    .is_some_and(|arch| libvirt_arch(arch).is_some())
            })
            .collect();
        names.sort();
        for name in names {
            let path = dir.join(&name);
            if is_executable(&path) && !found.iter().any(|(n, _)| *n == name) {
                found.push((name, path));
            }
        }
    }
    if cfg!(target_arch = "x86_64") && !found.iter().any(|(n, _)| n == "qemu-system-x86_64") {
        let rhel = Path::new("/usr/libexec/qemu-kvm");
        if is_executable(rhel) {
            found.push(("qemu-system-x86_64".into(), rhel.to_path_buf()));
        }
    }
    found.sort_by_key(|(name, _)| {
        let arch = name
            .strip_prefix("qemu-system-")
            .and_then(libvirt_arch)
            .unwrap_or_default();
        (arch != "x86_64", arch_order(arch))
    });
    found.into_iter().map(|(_, p)| p).collect()
}

/// `/usr/local/bin` and `/usr/bin` in the order `PATH` lists them, then whichever of them
/// `PATH` lacks.
fn search_dirs(path_env: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    const DIRS: [&str; 2] = ["/usr/local/bin", "/usr/bin"];
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in path_env.map(std::env::split_paths).into_iter().flatten() {
        if DIRS.iter().any(|d| p == Path::new(d)) && !dirs.contains(&p) {
            dirs.push(p);
        }
    }
    for d in DIRS {
        if !dirs.iter().any(|p| p == Path::new(d)) {
            dirs.push(PathBuf::from(d));
        }
    }
    dirs
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_search_dirs_path_order_then_missing_defaults() {
        let d = search_dirs(Some("/usr/bin:/opt/x:/usr/local/bin".as_ref()));
        assert_eq!(
            d,
            [PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")]
        );
        let d = search_dirs(Some("/usr/bin".as_ref()));
        assert_eq!(
            d,
            [PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")]
        );
        let d = search_dirs(None);
        assert_eq!(
            d,
            [PathBuf::from("/usr/local/bin"), PathBuf::from("/usr/bin")]
        );
    }
}
