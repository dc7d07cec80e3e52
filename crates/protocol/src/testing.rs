//! Helpers for golden tests and fuzzing: decode a captured payload with the type its
//! header names and encode it again.

use oxvirt_xdr::XdrError;

use crate::remote::{ProcKind, RemoteProc};
use crate::{Header, MessageStatus, MessageType, REMOTE_PROGRAM, REMOTE_VERSION};

/// Decodes `payload` as the type that `header` implies and re-encodes it.
///
/// Returns `None` when this crate has no type for the packet: another program, a
/// procedure outside [`RemoteProc`], an error reply (use `RemoteError` for that), a
/// stream packet or a `*_WITH_FDS` message.
pub fn reencode_payload(header: &Header, payload: &[u8]) -> Option<Result<Vec<u8>, XdrError>> {
    if header.program != REMOTE_PROGRAM || header.version != REMOTE_VERSION {
        return None;
    }
    let proc = RemoteProc::try_from(header.procedure).ok()?;
    match (header.kind()?, header.status_kind()?, proc.kind()) {
        (MessageType::Call, MessageStatus::Ok, ProcKind::Call)
        | (MessageType::Message, MessageStatus::Ok, ProcKind::Message) => {
            Some(proc.reencode_args(payload))
        }
        (MessageType::Reply, MessageStatus::Ok, ProcKind::Call) => Some(proc.reencode_ret(payload)),
        _ => None,
    }
}
