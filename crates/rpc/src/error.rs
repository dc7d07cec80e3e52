//! The RPC edge's errors and their mapping to libvirt's `remote_error`.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_protocol::RemoteError;

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

/// The error domain libvirt's public API layer reports for a function: the `VIR_FROM_THIS`
/// of the `libvirt-*.c` file that defines it.
pub fn api_error_domain(api: &str) -> ErrorDomain {
    const BY_NAME: &[(&str, ErrorDomain)] = &[
        ("DomainSnapshot", ErrorDomain::DomainSnapshot),
        ("DomainCheckpoint", ErrorDomain::DomainCheckpoint),
        ("Network", ErrorDomain::Network),
        ("StoragePool", ErrorDomain::Storage),
        ("StorageVol", ErrorDomain::Storage),
        ("NodeDevice", ErrorDomain::Nodedev),
        ("Interface", ErrorDomain::Interface),
        ("Secret", ErrorDomain::Secret),
        ("NWFilter", ErrorDomain::Nwfilter),
        ("Stream", ErrorDomain::Streams),
    ];
    BY_NAME
        .iter()
        .find(|(k, _)| api.contains(k))
        .map_or(ErrorDomain::Domain, |(_, d)| *d)
}

/// `VIR_ERR_OPERATION_DENIED` for a write API on a read-only connection.
pub fn read_only_denied(api: &str) -> VirError {
    VirError::new(
        ErrorNumber::OperationDenied,
        api_error_domain(api),
        format!("read only access prevents {api}"),
    )
}

/// `VIR_ERR_NO_SUPPORT` for an API the driver (or this daemon) does not implement.
pub fn no_support(api: &str) -> VirError {
    VirError::no_support(api_error_domain(api), api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_api_error_domain_network_apis_use_network_domain() {
        assert_eq!(
            api_error_domain("virConnectListAllNetworks"),
            ErrorDomain::Network
        );
        assert_eq!(api_error_domain("virDomainDestroy"), ErrorDomain::Domain);
        assert_eq!(
            api_error_domain("virDomainSnapshotNum"),
            ErrorDomain::DomainSnapshot
        );
    }

    #[test]
    fn test_read_only_denied_matches_captured_text() {
        let e = read_only_denied("virDomainDestroy");
        assert_eq!(
            e.message,
            "operation forbidden: read only access prevents virDomainDestroy"
        );
        assert_eq!((e.code.code(), e.domain.code()), (29, 20));
    }
}
