//! The libvirt RPC wire vocabulary, without I/O: framing constants, the packet
//! [`Header`], program and procedure numbers ([`procedures`]), the error payload
//! [`RemoteError`], object handles, typed parameters and the args/ret structs of every
//! procedure ([`remote`], built on the types [`generated`] from libvirt's `.x` files).
//!
//! How a packet flows through this crate (the socket side lives in `oxvirt-rpc`):
//!
//! 1. The reader takes 4 bytes and asks [`check_length`] whether the length word is
//!    legal (`28..=PACKET_MAX`; anything else means: drop the connection, no reply).
//! 2. It reads `length - 4` more bytes and calls [`Header::decode`] on the first 24.
//!    The header keeps the raw `type` and `status` numbers so that even a packet with
//!    unknown values can be answered by echoing its header.
//! 3. The dispatcher looks the procedure up: [`procedures::remote_proc`] gives the
//!    public API name (for error texts), the ACL string and whether a read-only
//!    connection may call it; [`remote::RemoteProc`] types every procedure.
//! 4. The payload (bytes after the header) is decoded with
//!    `oxvirt_xdr::from_bytes::<remote::XxxArgs>()`. The handler's `XxxRet` — or a
//!    [`RemoteError`] built from a `VirError` — is written back with
//!    [`encode_packet`], using [`Header::reply`] of the call.
//!
//! Type names follow libvirt's `remote_protocol.x` in Rust case: `remote_domain_lookup_by_name_args`
//! is [`remote::DomainLookupByNameArgs`], acronyms as words (`Xml`, `Uuid`, `Uri`, `Id`).

mod error;
/// Wire types and procedure tables generated from libvirt's `.x` files (`oxvirt-protocol-gen`).
pub mod generated;
mod handles;
mod header;
pub mod oxvirt;
pub mod procedures;
pub mod remote;
pub mod testing;

#[doc(hidden)]
pub mod generator;

pub use error::{ProtocolError, RemoteError};
pub use handles::{
    NonnullDomain, NonnullDomainCheckpoint, NonnullDomainSnapshot, NonnullInterface,
    NonnullNetwork, NonnullNetworkPort, NonnullNodeDevice, NonnullNwfilter, NonnullSecret,
    NonnullStoragePool, NonnullStorageVol, TypedParam, TypedParamValue, Uuid,
};
pub use header::{
    Header, MessageStatus, MessageType, check_length, encode_packet, encode_packet_raw,
    split_packet,
};

/// Largest legal value of the length word (whole packet including the word itself).
pub const PACKET_MAX: u32 = 33_554_432 + 4;
/// Size of the header that follows the length word.
pub const HEADER_LEN: usize = 24;
/// Size of the length word.
pub const LEN_WORD: usize = 4;
/// Smallest legal packet: length word plus header, empty payload.
pub const PACKET_MIN: u32 = (LEN_WORD + HEADER_LEN) as u32;
/// Largest payload (`PACKET_MAX` minus length word and header).
pub const PAYLOAD_MAX: usize = PACKET_MAX as usize - LEN_WORD - HEADER_LEN;
/// `REMOTE_STRING_MAX`.
pub const STRING_MAX: u32 = oxvirt_xdr::STRING_MAX;
/// Most file descriptors one `*_WITH_FDS` message may carry.
pub const FDS_MAX: u32 = 32;

/// Program `REMOTE` (the main API).
pub const REMOTE_PROGRAM: u32 = 0x2000_8086;
/// Program `QEMU` (monitor/agent passthrough).
pub const QEMU_PROGRAM: u32 = 0x2000_8087;
/// Program `LXC`.
pub const LXC_PROGRAM: u32 = 0x0006_8000;
/// Program `KEEPALIVE` ("keep").
pub const KEEPALIVE_PROGRAM: u32 = 0x6b65_6570;
/// Program `ADMIN` (admin socket only).
pub const ADMIN_PROGRAM: u32 = 0x0690_0690;
/// Version of every program above.
pub const PROTOCOL_VERSION: u32 = 1;
/// `REMOTE_PROTOCOL_VERSION`.
pub const REMOTE_VERSION: u32 = PROTOCOL_VERSION;
/// `QEMU_PROTOCOL_VERSION`.
pub const QEMU_VERSION: u32 = PROTOCOL_VERSION;
/// `LXC_PROTOCOL_VERSION`.
pub const LXC_VERSION: u32 = PROTOCOL_VERSION;
/// `KEEPALIVE_PROTOCOL_VERSION`.
pub const KEEPALIVE_VERSION: u32 = PROTOCOL_VERSION;
/// `ADMIN_PROTOCOL_VERSION`.
pub const ADMIN_VERSION: u32 = PROTOCOL_VERSION;

/// `KEEPALIVE_PROC_PING`.
pub const KEEPALIVE_PROC_PING: i32 = 1;
/// `KEEPALIVE_PROC_PONG`.
pub const KEEPALIVE_PROC_PONG: i32 = 2;

/// The keepalive program's procedures (type MESSAGE, empty payload, serial 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum KeepaliveProc {
    /// Are you there?
    Ping = KEEPALIVE_PROC_PING,
    /// Yes.
    Pong = KEEPALIVE_PROC_PONG,
}

impl TryFrom<i32> for KeepaliveProc {
    type Error = i32;

    fn try_from(n: i32) -> Result<Self, i32> {
        match n {
            KEEPALIVE_PROC_PING => Ok(Self::Ping),
            KEEPALIVE_PROC_PONG => Ok(Self::Pong),
            other => Err(other),
        }
    }
}
