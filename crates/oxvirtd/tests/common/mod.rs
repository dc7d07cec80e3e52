//! Shared helpers for the daemon's integration tests: start an `oxvirtd` on a private
//! socket directory, find stock clients, and report skips the way CI expects.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running daemon on a temporary runtime directory; stopped (SIGTERM, then waited for)
/// on drop.
pub struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    pub tcp: Option<String>,
}

impl Daemon {
    /// Starts `oxvirtd --runtime-dir <tmp>` and waits until both sockets exist.
    pub fn start() -> Daemon {
        Self::start_with(&[])
    }

    /// Like [`Daemon::start`] with extra arguments.
    pub fn start_with(extra: &[&str]) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let child = spawn_daemon(dir.path(), extra);
        let d = Daemon {
            child,
            dir,
            tcp: extra
                .iter()
                .position(|a| *a == "--tcp")
                .and_then(|i| extra.get(i + 1))
                .map(|s| s.to_string()),
        };
        d.wait_for_sockets();
        d
    }

    /// Until both sockets accept connections (a crashed daemon leaves its socket files
    /// behind: existing is not enough).
    fn wait_for_sockets(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let accepts = |p: PathBuf| std::os::unix::net::UnixStream::connect(p).is_ok();
        while !(accepts(self.socket()) && accepts(self.ro_socket())) {
            assert!(
                Instant::now() < deadline,
                "oxvirtd did not create its sockets"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the daemon with SIGKILL (no cleanup at all, as a crash) and starts a new one on
    /// the same directories.
    pub fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn_daemon(self.dir.path(), &[]);
        self.wait_for_sockets();
    }

    /// The `--root` directory of the daemon's drivers.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The read-write socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("libvirt-sock")
    }

    /// The read-only socket.
    pub fn ro_socket(&self) -> PathBuf {
        self.dir.path().join("libvirt-sock-ro")
    }

    /// `test+unix:///default?socket=…` for stock clients.
    pub fn test_uri(&self) -> String {
        format!("test+unix:///default?socket={}", self.socket().display())
    }

    /// The runtime directory holding the sockets.
    pub fn runtime_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sends SIGTERM and waits up to `within` for the daemon to exit; its exit status.
    pub fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// Whether the daemon process is still running (waits on our own child: no zombies,
    /// no `kill(pid, 0)`).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

pub use oxvirt_testutil::{skip, which};

/// `oxvirtd --runtime-dir DIR --root DIR/root EXTRA…`.
fn spawn_daemon(dir: &Path, extra: &[&str]) -> Child {
    // --root keeps every driver directory (QEMU's configs, status files, lock) in the
    // test's own directory, so daemons of parallel tests never share state.
    Command::new(env!("CARGO_BIN_EXE_oxvirtd"))
        .arg("--runtime-dir")
        .arg(dir)
        .arg("--root")
        .arg(dir.join("root"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn oxvirtd")
}

/// Stock virsh, or a skip.
pub fn virsh() -> Option<PathBuf> {
    match which("virsh") {
        Some(p) => Some(p),
        None => {
            skip("virsh not installed (apt-get install libvirt-clients)");
            None
        }
    }
}

/// The system python with python3-libvirt, or a skip.
pub fn python_libvirt() -> Option<PathBuf> {
    let py = Path::new("/usr/bin/python3");
    let ok = py.is_file()
        && Command::new(py)
            .args(["-c", "import libvirt"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        Some(py.to_path_buf())
    } else {
        skip(
            "/usr/bin/python3 with python3-libvirt not available (apt-get install python3-libvirt)",
        );
        None
    }
}

/// Output of one virsh invocation: exit status, stdout and stderr.
#[derive(Debug, PartialEq, Eq)]
pub struct VirshOutput {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `virsh -c URI ARGS…` with a fixed environment (no user config, C locale).
pub fn run_virsh(virsh: &Path, uri: &str, args: &[&str]) -> VirshOutput {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(virsh)
        .arg("-c")
        .arg(uri)
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_CACHE_HOME", home.path())
        .env("LC_ALL", "C")
        .env_remove("LIBVIRT_DEFAULT_URI")
        .stdin(Stdio::null())
        .output()
        .expect("run virsh");
    VirshOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A free TCP port on 127.0.0.1: bind port 0, read the port, release it. (The daemon
/// prints its bound port only on stdout, which [`Daemon`] discards.)
pub fn free_tcp_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// A blocking raw RPC client for the daemon's integration tests: whole packets in and
/// out, every read bounded by a timeout so a server bug cannot hang CI.
pub mod raw {
    use oxvirt_protocol::{
        Header, KEEPALIVE_PROGRAM, MessageStatus, MessageType, REMOTE_PROGRAM, RemoteError,
        encode_packet_raw, split_packet,
    };
    use std::io::{ErrorKind, Read, Write};
    use std::net::TcpStream;
    use std::os::unix::net::UnixStream;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// Default bound for one read.
    pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

    #[derive(Debug)]
    enum Stream {
        Unix(UnixStream),
        Tcp(TcpStream),
    }

    /// What one attempt to read a packet produced.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Read1 {
        /// A whole packet, length word included.
        Packet(Vec<u8>),
        /// The server closed (EOF or reset) before a whole packet arrived.
        Closed,
        /// Nothing (complete) within the timeout.
        Timeout,
    }

    /// One client connection.
    #[derive(Debug)]
    pub struct RawConn {
        stream: Stream,
    }

    impl RawConn {
        /// Connects to a unix socket.
        pub fn unix(path: &Path) -> RawConn {
            let s = UnixStream::connect(path)
                .unwrap_or_else(|e| panic!("connect {}: {e}", path.display()));
            let mut c = RawConn {
                stream: Stream::Unix(s),
            };
            c.set_timeout(READ_TIMEOUT);
            c
        }

        /// Connects over TCP, retrying briefly while the listener comes up.
        pub fn tcp(addr: &str) -> RawConn {
            let deadline = Instant::now() + Duration::from_secs(10);
            let s = loop {
                match TcpStream::connect(addr) {
                    Ok(s) => break s,
                    Err(e) if Instant::now() > deadline => panic!("connect {addr}: {e}"),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            let _ = s.set_nodelay(true);
            let mut c = RawConn {
                stream: Stream::Tcp(s),
            };
            c.set_timeout(READ_TIMEOUT);
            c
        }

        /// Bounds every following read.
        pub fn set_timeout(&mut self, t: Duration) {
            match &self.stream {
                Stream::Unix(s) => s.set_read_timeout(Some(t)),
                Stream::Tcp(s) => s.set_read_timeout(Some(t)),
            }
            .expect("set_read_timeout");
        }

        /// Writes raw bytes. A write error (the server already closed) is returned, not
        /// a panic, so tests about dropped connections can send garbage freely.
        pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            match &mut self.stream {
                Stream::Unix(s) => s.write_all(bytes),
                Stream::Tcp(s) => s.write_all(bytes),
            }
        }

        /// Half-closes the sending side.
        pub fn shutdown_write(&self) {
            let _ = match &self.stream {
                Stream::Unix(s) => s.shutdown(std::net::Shutdown::Write),
                Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
            };
        }

        fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
            match &mut self.stream {
                Stream::Unix(s) => s.read_exact(buf),
                Stream::Tcp(s) => s.read_exact(buf),
            }
        }

        /// Reads one whole packet (any type), within the read timeout.
        pub fn read_packet(&mut self) -> Read1 {
            let mut word = [0u8; 4];
            if let Err(e) = self.read_exact(&mut word) {
                return classify(&e);
            }
            let len = u32::from_be_bytes(word) as usize;
            assert!(
                (28..=33_554_436).contains(&len),
                "server sent an illegal length word {len}"
            );
            let mut pkt = vec![0u8; len];
            pkt[..4].copy_from_slice(&word);
            if let Err(e) = self.read_exact(&mut pkt[4..]) {
                return classify(&e);
            }
            Read1::Packet(pkt)
        }

        /// Reads until a packet that is not a keepalive MESSAGE arrives; panics on close or
        /// timeout.
        pub fn next_non_keepalive(&mut self) -> Vec<u8> {
            loop {
                match self.read_packet() {
                    Read1::Packet(p) if is_keepalive(&p) => continue,
                    Read1::Packet(p) => return p,
                    other => panic!("expected a packet, got {other:?}"),
                }
            }
        }

        /// Reads until the REPLY with `serial` arrives (keepalives skipped); any other
        /// packet on the way is returned in `others`.
        pub fn read_reply(&mut self, serial: u32, others: &mut Vec<Vec<u8>>) -> Vec<u8> {
            loop {
                let p = self.next_non_keepalive();
                let (h, _) = split_packet(&p).expect("server packet splits");
                if h.msg_type == MessageType::Reply as i32 && h.serial == serial {
                    return p;
                }
                others.push(p);
            }
        }

        /// Sends a CALL of the REMOTE program and returns its REPLY (header, payload).
        pub fn call(&mut self, proc: i32, serial: u32, payload: &[u8]) -> (Header, Vec<u8>) {
            self.call_with(Header::call(REMOTE_PROGRAM, proc, serial), payload)
        }

        /// Sends a packet with this header and returns the REPLY with its serial.
        pub fn call_with(&mut self, h: Header, payload: &[u8]) -> (Header, Vec<u8>) {
            self.send(&packet(&h, payload)).expect("send call");
            let mut others = Vec::new();
            let p = self.read_reply(h.serial, &mut others);
            assert!(
                others.is_empty(),
                "unexpected packets before reply: {others:02x?}"
            );
            let (rh, payload) = split_packet(&p).expect("reply splits");
            (rh, payload.to_vec())
        }

        /// Like [`RawConn::call`] and asserts status OK.
        pub fn call_ok(&mut self, proc: i32, serial: u32, payload: &[u8]) -> Vec<u8> {
            let (h, p) = self.call(proc, serial, payload);
            assert_eq!(
                h.status,
                MessageStatus::Ok as i32,
                "proc {proc} failed: {:?}",
                oxvirt_xdr::from_bytes::<RemoteError>(&p)
            );
            p
        }

        /// Like [`RawConn::call`] and decodes the error of a failed call.
        pub fn call_err(&mut self, proc: i32, serial: u32, payload: &[u8]) -> RemoteError {
            let (h, p) = self.call(proc, serial, payload);
            assert_eq!(
                h.status,
                MessageStatus::Error as i32,
                "proc {proc} succeeded"
            );
            oxvirt_xdr::from_bytes(&p).expect("remote_error decodes")
        }

        /// AUTH_LIST then CONNECT_OPEN `test:///default` with `flags`; serials 0 and 1.
        pub fn open_test(&mut self, flags: u32) {
            self.call_ok(66, 0, &[]);
            let args = oxvirt_protocol::remote::ConnectOpenArgs {
                name: Some("test:///default".into()),
                flags,
            };
            self.call_ok(1, 1, &oxvirt_xdr::to_bytes(&args).expect("encode open"));
        }

        /// Whether the server closes the connection (EOF/reset) within `within`, without
        /// sending anything but keepalives first. Returns the packets it did send.
        pub fn expect_closed(&mut self, within: Duration) -> Vec<Vec<u8>> {
            self.set_timeout(within);
            let mut got = Vec::new();
            loop {
                match self.read_packet() {
                    Read1::Closed => return got,
                    Read1::Timeout => {
                        panic!("connection still open after {within:?}; got {got:02x?}")
                    }
                    Read1::Packet(p) => got.push(p),
                }
            }
        }
    }

    fn classify(e: &std::io::Error) -> Read1 {
        match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Read1::Timeout,
            ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe => Read1::Closed,
            _ => panic!("read failed: {e}"),
        }
    }

    /// A whole packet (length word, header, payload).
    pub fn packet(h: &Header, payload: &[u8]) -> Vec<u8> {
        encode_packet_raw(h, payload).expect("packet encodes")
    }

    /// Whether a packet is a KEEPALIVE-program MESSAGE.
    pub fn is_keepalive(p: &[u8]) -> bool {
        p.len() >= 20
            && u32::from_be_bytes([p[4], p[5], p[6], p[7]]) == KEEPALIVE_PROGRAM
            && i32::from_be_bytes([p[16], p[17], p[18], p[19]]) == MessageType::Message as i32
    }

    /// The XDR bytes of a value.
    pub fn xdr<T: oxvirt_xdr::Encode>(v: &T) -> Vec<u8> {
        oxvirt_xdr::to_bytes(v).expect("encode")
    }
}
