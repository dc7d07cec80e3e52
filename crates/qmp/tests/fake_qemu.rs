//! The monitor against a fake QEMU: a QMP server in the test, on a unix socket in a tempdir,
//! playing a script per test.

use std::future::Future;
use std::io::{self, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
use oxvirt_qmp::wire::WireError;
use oxvirt_qmp::{CloseReason, Events, Monitor, MonitorOptions, QemuVersion, QmpError};
use serde_json::{Value, json};
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;

const LONG: Duration = Duration::from_secs(10);

/// The server side of one monitor connection.
struct Fake {
    stream: UnixStream,
    buf: Vec<u8>,
    /// Descriptors received and not yet taken, oldest first.
    fds: Vec<RawFd>,
}

impl Fake {
    async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    async fn send(&mut self, v: Value) {
        let mut line = v.to_string().into_bytes();
        line.extend_from_slice(b"\r\n");
        self.send_raw(&line).await;
    }

    async fn greet(&mut self) {
        self.send(
            json!({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7},
                                             "package": "Debian 1:7.2+dfsg-7"},
                                 "capabilities": ["oob"]}}),
        )
        .await;
    }

    /// The next line as received (with its `\r\n`), or `None` at EOF. Cancel-safe.
    async fn read_line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                return Some(self.buf.drain(..=i).collect());
            }
            self.stream.readable().await.unwrap();
            let mut chunk = [0u8; 4096];
            let mut cmsg = nix::cmsg_space!([RawFd; 8]);
            let stream = &self.stream;
            let res = stream.try_io(Interest::READABLE, || {
                let mut iov = [IoSliceMut::new(&mut chunk)];
                let msg = recvmsg::<()>(
                    stream.as_raw_fd(),
                    &mut iov,
                    Some(&mut cmsg),
                    MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::MSG_DONTWAIT,
                )
                .map_err(io::Error::from)?;
                let mut fds = Vec::new();
                for c in msg.cmsgs().map_err(io::Error::from)? {
                    if let ControlMessageOwned::ScmRights(f) = c {
                        fds.extend(f);
                    }
                }
                Ok((msg.bytes, fds))
            });
            match res {
                Ok((0, _)) => return None,
                Ok((n, fds)) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    self.fds.extend(fds);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("fake QEMU read failed: {e}"),
            }
        }
    }

    async fn recv_command(&mut self) -> Option<Value> {
        let line = self.read_line().await?;
        assert!(line.ends_with(b"}\r\n"), "{line:?}");
        Some(serde_json::from_slice(&line).unwrap())
    }

    async fn reply(&mut self, cmd: &Value, ret: Value) {
        self.send(json!({"return": ret, "id": cmd["id"]})).await;
    }

    async fn handshake(&mut self) {
        self.greet().await;
        let line = self.read_line().await.unwrap();
        assert_eq!(
            line,
            b"{\"execute\":\"qmp_capabilities\",\"id\":\"oxvirt-1\"}\r\n"
        );
        self.send_raw(b"{\"return\": {}, \"id\": \"oxvirt-1\"}\r\n")
            .await;
    }
}

struct Setup {
    result: Result<(Monitor, Events), QmpError>,
    server: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// Binds a socket, serves one connection with `script`, and connects a monitor to it.
async fn start<F, Fut>(opts: &MonitorOptions, script: F) -> Setup
where
    F: FnOnce(Fake) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mon.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        script(Fake {
            stream,
            buf: Vec::new(),
            fds: Vec::new(),
        })
        .await;
    });
    let result = timeout(LONG, Monitor::connect_with(&path, opts))
        .await
        .expect("connect hung");
    Setup {
        result,
        server,
        _dir: dir,
    }
}

async fn started<F, Fut>(script: F) -> (Monitor, Events, JoinHandle<()>, tempfile::TempDir)
where
    F: FnOnce(Fake) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let s = start(&MonitorOptions::default(), script).await;
    let (m, ev) = s.result.expect("handshake");
    (m, ev, s.server, s._dir)
}

async fn finish(server: JoinHandle<()>) {
    timeout(LONG, server)
        .await
        .expect("fake QEMU hung")
        .expect("fake QEMU failed");
}

#[tokio::test]
async fn test_connect_handshake_returns_greeting() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let cmd = f.recv_command().await.unwrap();
        assert_eq!(cmd["id"], "oxvirt-2");
        assert_eq!(cmd["execute"], "query-version");
        f.reply(
            &cmd,
            json!({"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}),
        )
        .await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let g = m.greeting();
    assert_eq!(
        g.version,
        QemuVersion {
            major: 7,
            minor: 2,
            micro: 0
        }
    );
    assert_eq!(g.package, "Debian 1:7.2+dfsg-7");
    assert_eq!(g.capabilities, ["oob"]);
    assert_eq!(m.query_version().await.unwrap().qemu, g.version);
    assert!(!m.is_closed());
    drop(m);
    finish(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_execute_50_pipelined_from_tasks_each_gets_own_reply() {
    const N: usize = 50;
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        // All commands must arrive before any reply: the client pipelines.
        let mut cmds = Vec::new();
        for _ in 0..N {
            cmds.push(f.recv_command().await.unwrap());
        }
        let mut ids: Vec<_> = cmds
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), N, "ids must be unique");
        // Answering in reverse order proves replies are matched by id.
        for cmd in cmds.iter().rev() {
            f.reply(cmd, json!({"echo": cmd["arguments"]["n"]})).await;
        }
        assert!(f.read_line().await.is_none());
    })
    .await;
    let tasks: Vec<_> = (0..N)
        .map(|n| {
            let m = m.clone();
            tokio::spawn(async move {
                let v = m.execute("echo", Some(json!({ "n": n }))).await.unwrap();
                assert_eq!(v, json!({ "echo": n }));
            })
        })
        .collect();
    for t in tasks {
        timeout(LONG, t).await.unwrap().unwrap();
    }
    drop(m);
    finish(server).await;
}

#[tokio::test]
async fn test_execute_error_reply_maps_to_command_error() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let cmd = f.recv_command().await.unwrap();
        assert_eq!(cmd["arguments"], json!({"name": "net9", "up": false}));
        f.send(json!({"id": cmd["id"], "error": {"class": "DeviceNotFound", "desc": "Device 'net9' not found"}}))
            .await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let err = m.set_link("net9", false).await.unwrap_err();
    let QmpError::Command {
        command,
        class,
        desc,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(command, "set_link");
    assert_eq!(class, "DeviceNotFound");
    assert_eq!(desc, "Device 'net9' not found");
    assert_eq!(
        err.to_string(),
        "Unable to execute QEMU command 'set_link': Device 'net9' not found"
    );
    drop(m);
    finish(server).await;
}

#[tokio::test]
async fn test_events_between_replies_keep_their_order() {
    let (m, mut ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let cmd = f.recv_command().await.unwrap();
        f.send(
            json!({"timestamp": {"seconds": 1795576473, "microseconds": 874000}, "event": "STOP"}),
        )
        .await;
        f.reply(&cmd, json!({})).await;
        f.send(json!({"event": "RESUME", "data": {"x": 1}})).await;
        let cmd = f.recv_command().await.unwrap();
        f.reply(&cmd, json!({})).await;
        f.send(json!({"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}}))
            .await;
    })
    .await;
    m.stop().await.unwrap();
    // The event QEMU sent before the reply is there by the time the reply is.
    let stop = ev.try_recv().expect("STOP before the stop reply");
    assert_eq!(stop.name, "STOP");
    assert_eq!(stop.data, Value::Null);
    assert_eq!(stop.timestamp, Some((1795576473, 874000)));
    m.cont().await.unwrap();
    let resume = ev.try_recv().expect("RESUME before the cont reply");
    assert_eq!(resume.name, "RESUME");
    assert_eq!(resume.data, json!({"x": 1}));
    assert_eq!(resume.timestamp, None);
    let shutdown = timeout(LONG, ev.recv()).await.unwrap().unwrap();
    assert_eq!(shutdown.name, "SHUTDOWN");
    assert_eq!(shutdown.data["reason"], "host-signal");
    // The server hung up after SHUTDOWN: the stream ends.
    assert!(timeout(LONG, ev.recv()).await.unwrap().is_none());
    finish(server).await;
}

#[tokio::test]
async fn test_execute_with_fds_fd_arrives_at_server() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let cmd = f.recv_command().await.unwrap();
        assert_eq!(cmd["execute"], "getfd");
        assert_eq!(cmd["arguments"]["fdname"], "tapfd-net10");
        assert_eq!(f.fds.len(), 1, "exactly one fd with getfd");
        let fd = f.fds.remove(0);
        // Writing through the received descriptor proves it is the client's pipe.
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .open(format!("/proc/self/fd/{fd}"))
            .unwrap();
        w.write_all(b"hello from fake qemu").unwrap();
        drop(w);
        nix::unistd::close(fd).unwrap();
        f.reply(&cmd, json!({})).await;
        assert!(f.read_line().await.is_none());
        assert!(f.fds.is_empty());
    })
    .await;
    let (r, w) = nix::unistd::pipe().unwrap();
    m.getfd("tapfd-net10", w.as_fd()).await.unwrap();
    drop(w);
    // Reaching EOF also shows the monitor closed its duplicate of the write end.
    let got = timeout(
        LONG,
        tokio::task::spawn_blocking(move || {
            let mut s = String::new();
            std::fs::File::from(r).read_to_string(&mut s).unwrap();
            s
        }),
    )
    .await
    .expect("pipe write end leaked")
    .unwrap();
    assert_eq!(got, "hello from fake qemu");
    drop(m);
    finish(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_execute_with_fds_second_waits_for_first_reply() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let first = f.recv_command().await.unwrap();
        assert_eq!(f.fds.len(), 1);
        // QEMU would close the first fd if the second arrived before getfd took it.
        assert!(
            timeout(Duration::from_millis(300), f.read_line())
                .await
                .is_err(),
            "second fd command written before the first was answered"
        );
        f.reply(&first, json!({})).await;
        let second = f.recv_command().await.unwrap();
        assert_eq!(f.fds.len(), 2);
        assert_ne!(first["arguments"]["fdname"], second["arguments"]["fdname"]);
        f.reply(&second, json!({})).await;
        for fd in f.fds.drain(..) {
            nix::unistd::close(fd).unwrap();
        }
        assert!(f.read_line().await.is_none());
    })
    .await;
    let (_r1, w1) = nix::unistd::pipe().unwrap();
    let (_r2, w2) = nix::unistd::pipe().unwrap();
    let (a, b) = tokio::join!(m.getfd("a", w1.as_fd()), m.getfd("b", w2.as_fd()));
    a.unwrap();
    b.unwrap();
    drop(m);
    finish(server).await;
}

#[tokio::test]
async fn test_server_close_fails_pending_and_ends_events() {
    let (m, mut ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let _cmd = f.recv_command().await.unwrap();
        // QEMU dies with the command unanswered.
    })
    .await;
    let err = timeout(LONG, m.query_status()).await.unwrap().unwrap_err();
    assert!(matches!(err, QmpError::Closed), "{err:?}");
    let reason = timeout(LONG, m.closed()).await.unwrap();
    assert!(matches!(reason, CloseReason::Eof), "{reason:?}");
    assert!(m.is_closed());
    assert!(timeout(LONG, ev.recv()).await.unwrap().is_none());
    let err = m.execute("cont", None).await.unwrap_err();
    assert!(matches!(err, QmpError::Closed), "{err:?}");
    finish(server).await;
}

#[tokio::test]
async fn test_connect_no_greeting_times_out() {
    let mut opts = MonitorOptions::default();
    opts.handshake_timeout = Duration::from_millis(200);
    let s = start(&opts, |mut f| async move {
        // Never greet; wait for the client to give up and hang up.
        assert!(f.read_line().await.is_none());
    })
    .await;
    let err = s.result.unwrap_err();
    assert!(
        matches!(
            err,
            QmpError::Timeout {
                what: "the QMP greeting"
            }
        ),
        "{err:?}"
    );
    finish(s.server).await;
}

#[tokio::test]
async fn test_connect_first_message_not_greeting_fails() {
    let s = start(&MonitorOptions::default(), |mut f| async move {
        f.send(json!({"return": {}})).await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let err = s.result.unwrap_err();
    assert!(matches!(err, QmpError::Closed), "{err:?}");
    finish(s.server).await;
}

#[tokio::test]
async fn test_long_line_closes_monitor() {
    let mut opts = MonitorOptions::default();
    opts.max_line = 1024;
    let s = start(&opts, |mut f| async move {
        f.handshake().await;
        let _cmd = f.recv_command().await.unwrap();
        f.send_raw(&[b'x'; 4096]).await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let (m, mut ev) = s.result.unwrap();
    let err = timeout(LONG, m.execute("query-block", None))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, QmpError::Closed), "{err:?}");
    let reason = m.closed().await;
    assert!(
        matches!(&reason, CloseReason::Protocol(e) if matches!(**e, WireError::LineTooLong { max: 1024 })),
        "{reason:?}"
    );
    assert!(ev.recv().await.is_none());
    finish(s.server).await;
}

#[tokio::test]
async fn test_invalid_json_closes_monitor() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        f.send_raw(b"{\"return\": oops}\r\n").await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let reason = timeout(LONG, m.closed()).await.unwrap();
    assert!(
        matches!(&reason, CloseReason::Protocol(e) if matches!(**e, WireError::Json(_))),
        "{reason:?}"
    );
    drop(m);
    finish(server).await;
}

#[tokio::test]
async fn test_monitor_dropped_closes_socket() {
    let (m, mut ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        assert!(f.read_line().await.is_none(), "client must hang up");
    })
    .await;
    let m2 = m.clone();
    drop(m);
    // One clone still holds the connection open.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!server.is_finished());
    drop(m2);
    finish(server).await;
    assert!(timeout(LONG, ev.recv()).await.unwrap().is_none());
}

#[tokio::test]
async fn test_reply_without_id_goes_to_oldest_command() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let _cmd = f.recv_command().await.unwrap();
        f.send(json!({"error": {"class": "GenericError", "desc": "JSON parse error"}}))
            .await;
        assert!(f.read_line().await.is_none());
    })
    .await;
    let err = m.execute("x", None).await.unwrap_err();
    assert!(
        matches!(&err, QmpError::Command { class, .. } if class == "GenericError"),
        "{err:?}"
    );
    drop(m);
    finish(server).await;
}

#[tokio::test]
async fn test_typed_helpers_decode_and_reject_wrong_shapes() {
    let (m, _ev, server, _dir) = started(|mut f| async move {
        f.handshake().await;
        let replies = [
            (
                "query-status",
                json!({"status": "prelaunch", "singlestep": false, "running": false}),
            ),
            (
                "query-cpus-fast",
                json!([{"thread-id": 3971, "props": {"core-id": 0, "thread-id": 0, "socket-id": 0},
                        "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, "target": "x86_64"}]),
            ),
            (
                "query-chardev",
                json!([{"frontend-open": true, "filename": "pty:/dev/pts/0", "label": "charserial0"}]),
            ),
            ("query-status", json!({"status": 5})),
        ];
        for (name, ret) in replies {
            let cmd = f.recv_command().await.unwrap();
            assert_eq!(cmd["execute"], name);
            assert!(cmd.get("arguments").is_none());
            f.reply(&cmd, ret).await;
        }
        assert!(f.read_line().await.is_none());
    })
    .await;
    let st = m.query_status().await.unwrap();
    assert_eq!((st.status.as_str(), st.running), ("prelaunch", false));
    let cpus = m.query_cpus_fast().await.unwrap();
    assert_eq!(cpus[0].thread_id, 3971);
    assert_eq!(cpus[0].qom_path, "/machine/unattached/device[0]");
    let chardevs = m.query_chardev().await.unwrap();
    assert_eq!(chardevs[0].label, "charserial0");
    assert_eq!(chardevs[0].filename, "pty:/dev/pts/0");
    let err = m.query_status().await.unwrap_err();
    assert!(
        matches!(&err, QmpError::Reply { command, .. } if command == "query-status"),
        "{err:?}"
    );
    drop(m);
    finish(server).await;
}
