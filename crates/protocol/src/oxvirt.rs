//! oxvirt's own RPC program: extensions that libvirt has no procedure for.
//!
//! They live in a separate program number so stock clients, which only ever call the
//! REMOTE program, can never reach them by accident, and a future libvirt procedure number
//! can never collide with ours. The server answers it only after `CONNECT_OPEN` on the
//! REMOTE program, with the same checks.

use oxvirt_xdr::Xdr;

/// `OXVT` in ASCII.
pub const OXVIRT_PROGRAM: u32 = 0x4f58_5654;
/// The only version so far.
pub const OXVIRT_VERSION: u32 = 1;

/// Procedures of the OXVIRT program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum OxvirtProc {
    /// Plan `virDomainUpdateDeviceFlags` without applying it: the explain / dry-run mode.
    DomainPlanUpdateDevice = 1,
}

impl TryFrom<i32> for OxvirtProc {
    type Error = i32;

    fn try_from(n: i32) -> Result<Self, i32> {
        match n {
            1 => Ok(Self::DomainPlanUpdateDevice),
            other => Err(other),
        }
    }
}

/// Args of [`OxvirtProc::DomainPlanUpdateDevice`]: those of `DOMAIN_UPDATE_DEVICE_FLAGS`.
pub type DomainPlanUpdateDeviceArgs = crate::remote::DomainUpdateDeviceFlagsArgs;

/// Ret of [`OxvirtProc::DomainPlanUpdateDevice`].
#[derive(Xdr, Debug, Clone, PartialEq, Eq)]
pub struct DomainPlanUpdateDeviceRet {
    /// The plan as JSON: outcome, ordered actions, explanation.
    pub plan: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handles::NonnullDomain;
    use oxvirt_xdr::{from_bytes, to_bytes};

    #[test]
    fn test_plan_args_round_trip() {
        let a = DomainPlanUpdateDeviceArgs {
            dom: NonnullDomain {
                name: "test".into(),
                uuid: [7; 16],
                id: 1,
            },
            xml: "<interface/>".into(),
            flags: 1,
        };
        let b: DomainPlanUpdateDeviceArgs = from_bytes(&to_bytes(&a).unwrap()).unwrap();
        assert_eq!(a, b);
    }
}
