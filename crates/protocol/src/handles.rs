//! Object handles (`remote_nonnull_*`) and typed parameters, shared by many procedures.
//!
//! UUIDs are `opaque uuid[16]`: 16 raw bytes, no length word, written as
//! `#[xdr(opaque)] uuid: Uuid`.

// The object handles and typed parameters are the generated wire types of
// `remote_protocol.x`; this module names them for the rest of the crate.
pub use crate::generated::remote::{
    NonnullDomain, NonnullDomainCheckpoint, NonnullDomainSnapshot, NonnullInterface,
    NonnullNetwork, NonnullNetworkPort, NonnullNodeDevice, NonnullNwfilter, NonnullSecret,
    NonnullStoragePool, NonnullStorageVol, TypedParam, TypedParamValue, Uuid,
};

#[cfg(test)]
mod tests {
    use oxvirt_xdr::to_bytes;

    use super::*;

    #[test]
    fn test_typed_param_string_wire_layout() {
        let p = TypedParam {
            field: "a".into(),
            value: TypedParamValue::String("xy".into()),
        };
        assert_eq!(
            to_bytes(&p).unwrap(),
            [
                0, 0, 0, 1, b'a', 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, b'x', b'y', 0, 0
            ]
        );
    }

    #[test]
    fn test_domain_handle_is_28_bytes_for_short_name() {
        let d = NonnullDomain {
            name: "vt1".into(),
            uuid: [0; 16],
            id: -1,
        };
        assert_eq!(to_bytes(&d).unwrap().len(), 8 + 16 + 4);
    }
}
