//! The RPC edge's errors and their mapping to libvirt's `remote_error`.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_protocol::RemoteError;
use oxvirt_protocol::procedures::ProcInfo;

/// Why a call failed, before it becomes a `remote_error`.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The driver or a lower layer refused the call.
    #[error(transparent)]
    Vir(#[from] VirError),
    /// The arguments did not decode.
    #[error("Unable to decode message payload")]
    Decode,
    /// The reply did not encode (a list over its MAX, a string over 4 MiB).
    #[error("Unable to encode message payload")]
    Encode,
}

impl From<oxvirt_xdr::XdrError> for RpcError {
    fn from(_: oxvirt_xdr::XdrError) -> Self {
        RpcError::Decode
    }
}

/// The one mapping from our errors to what a libvirt client receives.
pub fn to_remote_error(e: &RpcError) -> RemoteError {
    match e {
        RpcError::Vir(v) => RemoteError::from(v),
        RpcError::Decode => RemoteError::from(&rpc_error("Unable to decode message payload")),
        RpcError::Encode => RemoteError::from(&rpc_error("Unable to encode message payload")),
    }
}

/// `VIR_ERR_RPC` from `VIR_FROM_RPC` with a message used as is.
pub fn rpc_error(message: impl Into<String>) -> VirError {
    VirError::raw(ErrorNumber::Rpc, ErrorDomain::Rpc, message)
}

/// `VIR_ERR_INTERNAL_ERROR` from `VIR_FROM_RPC` ("internal error: …").
pub fn rpc_internal(detail: &str) -> VirError {
    VirError::internal(ErrorDomain::Rpc, detail)
}

/// `VIR_ERR_OPERATION_DENIED` for a write API on a read-only connection, in the error
/// domain of the procedure's public function.
pub fn read_only_denied(info: &ProcInfo) -> VirError {
    VirError::new(
        ErrorNumber::OperationDenied,
        info.error_domain,
        format!("read only access prevents {}", info.api),
    )
}

/// `VIR_ERR_NO_SUPPORT` for an API the driver (or this daemon) does not implement.
pub fn no_support(info: &ProcInfo) -> VirError {
    VirError::no_support(info.error_domain, info.api)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_protocol::procedures::remote_proc;

    #[test]
    fn test_no_support_error_domain_is_the_api_source_files() {
        // virDomainInterfaceStats is a domain API despite "Interface" in its name; host
        // APIs live in libvirt-host.c, whose VIR_FROM_THIS is VIR_FROM_DOMAIN.
        let domains = [65, 283, 187, 203].map(|n| no_support(remote_proc(n).unwrap()).domain);
        assert_eq!(
            domains,
            [
                ErrorDomain::Domain,
                ErrorDomain::Network,
                ErrorDomain::DomainSnapshot,
                ErrorDomain::Domain
            ]
        );
    }

    #[test]
    fn test_read_only_denied_matches_captured_text() {
        let e = read_only_denied(remote_proc(12).unwrap());
        assert_eq!(
            e.message,
            "operation forbidden: read only access prevents virDomainDestroy"
        );
        assert_eq!((e.code.code(), e.domain.code()), (29, 20));
    }
}
