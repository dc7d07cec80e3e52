//! Framing errors ([`ProtocolError`]) and the error payload of a failed call
//! ([`RemoteError`], libvirt's `remote_error`).

use oxvirt_error::VirError;
use oxvirt_xdr::{Xdr, XdrError};

use crate::{NonnullDomain, NonnullNetwork};

/// Why a packet could not be framed or parsed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// Length word below the 28 bytes of length word plus header.
    #[error("Packet length {0} is too short")]
    PacketTooShort(u32),
    /// Length word (or a packet being built) above `PACKET_MAX`.
    #[error("Packet length {0} exceeds maximum")]
    PacketTooLong(usize),
    /// The buffer does not hold the 24 header bytes.
    #[error("Header needs 24 bytes, got {0}")]
    ShortHeader(usize),
    /// The length word disagrees with the packet's size.
    #[error("Length word says {declared} bytes, packet has {actual}")]
    LengthMismatch {
        /// Value of the length word.
        declared: u32,
        /// Bytes actually given.
        actual: usize,
    },
    /// The payload is malformed.
    #[error("Malformed payload")]
    Xdr(#[from] XdrError),
}

/// `remote_error`: the payload of a REPLY (or STREAM) with status ERROR.
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// `virErrorNumber`.
    pub code: i32,
    /// `virErrorDomain`.
    pub domain: i32,
    /// Full message text.
    pub message: Option<String>,
    /// `virErrorLevel` (2 = error).
    pub level: i32,
    /// Always `None` in practice.
    pub dom: Option<NonnullDomain>,
    /// Format string / prefix.
    pub str1: Option<String>,
    /// First argument.
    pub str2: Option<String>,
    /// Second argument.
    pub str3: Option<String>,
    /// −1 when unused.
    pub int1: i32,
    /// −1 when unused.
    pub int2: i32,
    /// Always `None` in practice.
    pub net: Option<NonnullNetwork>,
}

/// `VIR_ERR_ERROR`.
const LEVEL_ERROR: i32 = 2;

impl From<&VirError> for RemoteError {
    /// Fills the fields exactly as libvirtd 9.0 does for the errors it reports itself:
    /// level ERROR, `str1` = the code's template, `str2` = the detail, no `str3`,
    /// `int1`/`int2` = −1, no object handles.
    fn from(e: &VirError) -> Self {
        Self {
            code: e.code.code(),
            domain: e.domain.code(),
            message: Some(e.message.clone()),
            level: LEVEL_ERROR,
            dom: None,
            str1: e.str1.clone(),
            str2: e.str2.clone(),
            str3: None,
            int1: -1,
            int2: -1,
            net: None,
        }
    }
}

impl From<VirError> for RemoteError {
    fn from(e: VirError) -> Self {
        Self::from(&e)
    }
}

#[cfg(test)]
mod tests {
    use oxvirt_error::{ErrorDomain, ErrorNumber};

    use super::*;

    #[test]
    fn test_from_vir_error_fills_template_and_minus_one() {
        let e = VirError::read_only("virDomainDestroy");
        let r = RemoteError::from(&e);
        assert_eq!(
            (r.level, r.str1.as_deref(), r.int1, r.int2, r.dom, r.net),
            (2, Some("operation forbidden: %s"), -1, -1, None, None)
        );
    }

    #[test]
    fn test_from_vir_error_raw_uses_percent_s() {
        let e = VirError::raw(ErrorNumber::Rpc, ErrorDomain::Rpc, "unknown procedure: 1");
        let r = RemoteError::from(e);
        assert_eq!(
            (r.str1.as_deref(), r.str2.as_deref()),
            (Some("%s"), Some("unknown procedure: 1"))
        );
    }
}
