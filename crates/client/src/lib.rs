//! The client side of libvirt's RPC protocol, blocking, for `oxvirsh` and tests.
//!
//! A call flows: [`Client::open`] splits the URI the way libvirt's remote driver does
//! (`test+unix:///default?socket=PATH` → transport unix, socket PATH, driver name
//! `test:///default`), connects, lists auth types and sends `CONNECT_OPEN`; each
//! [`Client::call`] then writes one CALL and reads packets until the REPLY with its serial,
//! answering keepalive PINGs and skipping events on the way.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_protocol::remote::{AuthListRet, ConnectOpenArgs, RemoteProc};
use oxvirt_protocol::{
    Header, KeepaliveProc, MessageStatus, MessageType, REMOTE_PROGRAM, RemoteError, encode_packet,
    encode_packet_raw,
};
use oxvirt_xdr::{Decode, Encode, from_bytes};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URI cannot be used.
    #[error("Invalid URI '{0}'")]
    Uri(String),
    /// The socket failed.
    #[error("Cannot talk to the daemon")]
    Io(#[from] std::io::Error),
    /// The daemon sent something that is not a valid packet.
    #[error("Malformed reply from the daemon")]
    Protocol(#[from] oxvirt_protocol::ProtocolError),
    /// A payload did not decode.
    #[error("Malformed reply payload")]
    Xdr(#[from] oxvirt_xdr::XdrError),
    /// The daemon answered with libvirt's error.
    #[error("{0}")]
    Remote(VirError),
}

/// Where and what a URI asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Unix socket path, or TCP `host:port`.
    pub endpoint: Endpoint,
    /// The driver URI sent in `CONNECT_OPEN` (`test:///default`).
    pub name: String,
}

/// The transport of a [`Target`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket path.
    Unix(PathBuf),
    /// A TCP address.
    Tcp(String),
}

/// oxvirtd's default read-write socket for this user.
pub fn default_socket() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/run/oxvirt/libvirt-sock");
    }
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("oxvirt/libvirt-sock"),
        None => {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
            home.join(".cache/oxvirt/run/libvirt-sock")
        }
    }
}

/// Splits a libvirt URI as the remote driver does.
pub fn parse_uri(uri: &str) -> Result<Target, ClientError> {
    let bad = || ClientError::Uri(uri.to_owned());
    let (scheme, rest) = uri.split_once("://").ok_or_else(bad)?;
    let (driver, transport) = match scheme.split_once('+') {
        Some((d, t)) => (d, Some(t)),
        None => (scheme, None),
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], &before_query[i..]),
        None => (before_query, ""),
    };
    let socket = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|kv| kv.strip_prefix("socket="))
        .map(PathBuf::from);
    let endpoint = match transport {
        Some("tcp") => {
            let host = if authority.is_empty() {
                "127.0.0.1:16509".to_owned()
            } else if authority.contains(':') {
                authority.to_owned()
            } else {
                format!("{authority}:16509")
            };
            Endpoint::Tcp(host)
        }
        Some("unix") | None if authority.is_empty() => {
            Endpoint::Unix(socket.unwrap_or_else(default_socket))
        }
        _ => return Err(bad()),
    };
    Ok(Target {
        endpoint,
        name: format!("{driver}://{path}"),
    })
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One open connection to a daemon.
pub struct Client {
    stream: Box<dyn Stream>,
    serial: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("serial", &self.serial)
            .finish()
    }
}

/// `VIR_CONNECT_RO`.
pub const CONNECT_RO: u32 = 1;

impl Client {
    /// Connects and opens the driver the URI names.
    pub fn open(uri: &str, flags: u32) -> Result<Client, ClientError> {
        let target = parse_uri(uri)?;
        let stream: Box<dyn Stream> = match &target.endpoint {
            Endpoint::Unix(p) => Box::new(UnixStream::connect(p)?),
            Endpoint::Tcp(a) => Box::new(TcpStream::connect(a)?),
        };
        let mut c = Client { stream, serial: 0 };
        let _: AuthListRet = c.call(REMOTE_PROGRAM, RemoteProc::AuthList as i32, &())?;
        let _: () = c.call(
            REMOTE_PROGRAM,
            RemoteProc::ConnectOpen as i32,
            &ConnectOpenArgs {
                name: Some(target.name),
                flags,
            },
        )?;
        Ok(c)
    }

    /// Calls `program`/`proc` with `args` and decodes the reply as `R`.
    pub fn call<A: Encode, R: Decode>(
        &mut self,
        program: u32,
        proc: i32,
        args: &A,
    ) -> Result<R, ClientError> {
        let serial = self.serial;
        self.serial = self.serial.wrapping_add(1);
        let packet = encode_packet(&Header::call(program, proc, serial), args)?;
        self.stream.write_all(&packet)?;
        loop {
            let (h, payload) = self.read_packet()?;
            if h.program == oxvirt_protocol::KEEPALIVE_PROGRAM {
                if h.procedure == oxvirt_protocol::KEEPALIVE_PROC_PING {
                    let pong = encode_packet_raw(&Header::keepalive(KeepaliveProc::Pong), &[])?;
                    self.stream.write_all(&pong)?;
                }
                continue;
            }
            if h.kind() != Some(MessageType::Reply) || h.serial != serial {
                continue;
            }
            if h.status == MessageStatus::Error as i32 {
                let e: RemoteError = from_bytes(&payload)?;
                return Err(ClientError::Remote(vir_error(e)));
            }
            return Ok(from_bytes(&payload)?);
        }
    }

    fn read_packet(&mut self) -> Result<(Header, Vec<u8>), ClientError> {
        let mut word = [0u8; 4];
        self.stream.read_exact(&mut word)?;
        let len = oxvirt_protocol::check_length(word)? as usize;
        let mut rest = vec![0u8; len - 4];
        self.stream.read_exact(&mut rest)?;
        let h = Header::decode(&rest)?;
        Ok((h, rest.split_off(oxvirt_protocol::HEADER_LEN)))
    }

    /// Sends `CONNECT_CLOSE`.
    pub fn close(mut self) -> Result<(), ClientError> {
        self.call::<(), ()>(REMOTE_PROGRAM, RemoteProc::ConnectClose as i32, &())
    }
}

fn vir_error(e: RemoteError) -> VirError {
    VirError {
        code: ErrorNumber::from_code(e.code).unwrap_or(ErrorNumber::InternalError),
        domain: ErrorDomain::from_code(e.domain).unwrap_or(ErrorDomain::None),
        message: e.message.unwrap_or_default(),
        str1: e.str1,
        str2: e.str2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_uri_unix_socket_param_names_driver_without_transport() {
        let t = parse_uri("test+unix:///default?socket=/x/sock").unwrap();
        assert_eq!(t.endpoint, Endpoint::Unix(PathBuf::from("/x/sock")));
        assert_eq!(t.name, "test:///default");
    }

    #[test]
    fn test_parse_uri_tcp_defaults_port_16509() {
        let t = parse_uri("test+tcp://127.0.0.1/default").unwrap();
        assert_eq!(t.endpoint, Endpoint::Tcp("127.0.0.1:16509".into()));
    }

    #[test]
    fn test_parse_uri_remote_host_without_transport_is_refused() {
        assert!(parse_uri("qemu://example.org/system").is_err());
    }
}
