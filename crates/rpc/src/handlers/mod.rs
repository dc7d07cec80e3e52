//! The procedures' handlers, one file per object: [`connect`] (the connection itself and
//! its event callbacks), [`domain`], [`network`], [`node`] (the host).
//!
//! A driver handler is an `async fn(Call, Args) -> HandlerResult<Ret>` whose `Args` and
//! `Ret` are the procedure's wire types: the row of `crate::table` that names it decodes
//! the arguments, checks the connection and encodes the reply, so a handler only converts
//! between wire types and driver types and calls its driver. Client handlers (open, close,
//! features, callback registration) change the connection itself and run in arrival order.

pub(crate) mod connect;
pub(crate) mod domain;
pub(crate) mod network;
pub(crate) mod node;

use crate::error::{RpcError, no_support, read_only_denied, rpc_internal};
use oxvirt_core::{
    CallContext, Connection, DomainRef, HypervisorDriver, NetworkDriver, NetworkRef,
    TypedParameter, TypedValue, VirError,
};
use oxvirt_protocol::procedures::ProcInfo;
use oxvirt_protocol::{NonnullDomain, NonnullNetwork, TypedParam, TypedParamValue};

/// What a handler returns before encoding.
pub(crate) type HandlerResult<T> = Result<T, RpcError>;

/// One call to a driver, after the connection checks: the client's drivers, who is
/// calling, and the procedure's table entry (API name and error domain for errors).
#[derive(Debug)]
pub(crate) struct Call {
    /// The drivers the client opened.
    pub conn: Connection,
    /// The caller and whether the connection is read-only.
    pub cx: CallContext,
    /// The procedure.
    pub info: &'static ProcInfo,
}

impl Call {
    /// The hypervisor driver.
    pub fn hv(&self) -> &dyn HypervisorDriver {
        &*self.conn.hypervisor
    }

    /// The network driver, or "not supported" for this call's API.
    pub fn net(&self) -> HandlerResult<&dyn NetworkDriver> {
        self.conn
            .network
            .as_deref()
            .ok_or_else(|| no_support(self.info).into())
    }

    /// Refuses on a read-only connection when `write` holds: permissions that depend on
    /// the arguments (`VIR_DOMAIN_XML_SECURE`), checked before the driver is asked.
    pub fn deny_readonly_if(&self, write: bool) -> HandlerResult<()> {
        if write && self.cx.readonly {
            return Err(read_only_denied(self.info).into());
        }
        Ok(())
    }
}

pub(crate) fn nn_domain(d: &DomainRef) -> NonnullDomain {
    NonnullDomain {
        name: d.name.clone(),
        uuid: d.uuid,
        id: d.id,
    }
}

pub(crate) fn dom_ref(d: NonnullDomain) -> DomainRef {
    DomainRef {
        name: d.name,
        uuid: d.uuid,
        id: d.id,
    }
}

pub(crate) fn nn_network(n: &NetworkRef) -> NonnullNetwork {
    NonnullNetwork {
        name: n.name.clone(),
        uuid: n.uuid,
    }
}

pub(crate) fn net_ref(n: NonnullNetwork) -> NetworkRef {
    NetworkRef {
        name: n.name,
        uuid: n.uuid,
    }
}

/// libvirt's C booleans on the wire.
pub(crate) fn int(b: bool) -> i32 {
    i32::from(b)
}

/// A list's length as the `ret` count of a `ListAll` reply.
pub(crate) fn count<T>(items: &[T]) -> HandlerResult<u32> {
    u32::try_from(items.len()).map_err(|_| RpcError::Encode)
}

/// libvirtd refuses a parameter count over the protocol's bound before asking the driver.
pub(crate) fn check_nparams(nparams: i32, max: u32) -> HandlerResult<()> {
    if nparams as u32 > max {
        return Err(rpc_internal("nparams too large").into());
    }
    Ok(())
}

pub(crate) fn typed_param(p: TypedParameter) -> TypedParam {
    let value = match p.value {
        TypedValue::Int(v) => TypedParamValue::Int(v),
        TypedValue::UInt(v) => TypedParamValue::UInt(v),
        TypedValue::LLong(v) => TypedParamValue::LLong(v),
        TypedValue::ULLong(v) => TypedParamValue::ULLong(v),
        TypedValue::Double(v) => TypedParamValue::Double(v),
        TypedValue::Boolean(v) => TypedParamValue::Boolean(i32::from(v)),
        TypedValue::String(v) => TypedParamValue::String(v),
    };
    TypedParam {
        field: p.field,
        value,
    }
}

/// `VIR_ERR_INVALID_ARG` for a negative list size, as the public API reports it.
pub(crate) fn negative_max(info: &ProcInfo, var: &str) -> RpcError {
    VirError::new(
        oxvirt_core::ErrorNumber::InvalidArg,
        info.error_domain,
        format!(
            "{var} in {} must be greater than or equal to zero",
            info.api
        ),
    )
    .into()
}
