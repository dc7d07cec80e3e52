//! Object handles (`remote_nonnull_*`) and typed parameters, shared by many procedures.
//!
//! UUIDs are `opaque uuid[16]`: 16 raw bytes, no length word, written as
//! `#[xdr(opaque)] uuid: Uuid`.

use oxvirt_xdr::Xdr;

/// `remote_uuid`: 16 raw bytes on the wire.
pub type Uuid = [u8; 16];

/// `remote_nonnull_domain`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullDomain {
    /// Domain name.
    pub name: String,
    /// Domain UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
    /// Domain id; −1 when inactive.
    pub id: i32,
}

/// `remote_nonnull_network`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullNetwork {
    /// Network name.
    pub name: String,
    /// Network UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_network_port`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullNetworkPort {
    /// The network the port belongs to.
    pub net: NonnullNetwork,
    /// Port UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_nwfilter`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullNwfilter {
    /// Filter name.
    pub name: String,
    /// Filter UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_interface`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullInterface {
    /// Interface name.
    pub name: String,
    /// MAC address string.
    pub mac: String,
}

/// `remote_nonnull_storage_pool`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullStoragePool {
    /// Pool name.
    pub name: String,
    /// Pool UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
}

/// `remote_nonnull_storage_vol`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullStorageVol {
    /// Pool name.
    pub pool: String,
    /// Volume name.
    pub name: String,
    /// Volume key.
    pub key: String,
}

/// `remote_nonnull_node_device`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullNodeDevice {
    /// Device name.
    pub name: String,
}

/// `remote_nonnull_secret`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullSecret {
    /// Secret UUID.
    #[xdr(opaque)]
    pub uuid: Uuid,
    /// `virSecretUsageType`.
    pub usage_type: i32,
    /// Usage id.
    pub usage_id: String,
}

/// `remote_nonnull_domain_snapshot`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullDomainSnapshot {
    /// Snapshot name.
    pub name: String,
    /// Its domain.
    pub dom: NonnullDomain,
}

/// `remote_nonnull_domain_checkpoint`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonnullDomainCheckpoint {
    /// Checkpoint name.
    pub name: String,
    /// Its domain.
    pub dom: NonnullDomain,
}

/// `remote_typed_param_value`: a union on `virTypedParameterType`.
#[derive(Xdr, Debug, Clone, PartialEq)]
pub enum TypedParamValue {
    /// `VIR_TYPED_PARAM_INT`.
    #[xdr(discriminant = 1)]
    Int(i32),
    /// `VIR_TYPED_PARAM_UINT`.
    #[xdr(discriminant = 2)]
    UInt(u32),
    /// `VIR_TYPED_PARAM_LLONG`.
    #[xdr(discriminant = 3)]
    LLong(i64),
    /// `VIR_TYPED_PARAM_ULLONG`.
    #[xdr(discriminant = 4)]
    ULLong(u64),
    /// `VIR_TYPED_PARAM_DOUBLE`.
    #[xdr(discriminant = 5)]
    Double(f64),
    /// `VIR_TYPED_PARAM_BOOLEAN` (an int on the wire).
    #[xdr(discriminant = 6)]
    Boolean(i32),
    /// `VIR_TYPED_PARAM_STRING`.
    #[xdr(discriminant = 7)]
    String(String),
}

/// `remote_typed_param`.
#[derive(Xdr, Debug, Clone, PartialEq)]
pub struct TypedParam {
    /// Parameter name.
    pub field: String,
    /// Parameter value.
    pub value: TypedParamValue,
}

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
