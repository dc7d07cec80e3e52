//! The connection itself: open and close, authentication, features, event callback
//! registration (client handlers, run in arrival order because later calls depend on their
//! effect), and the connection's own queries (driver handlers).

use super::{Call, HandlerResult, int, negative_max};
use crate::conn::{Callback, Client};
use crate::error::{RpcError, rpc_error, rpc_internal};
use crate::events;
use oxvirt_core::{CallContext, ErrorDomain, ErrorNumber, VirError};
use oxvirt_protocol::remote::*;
use std::sync::Arc;

/// Number of domain event ids libvirt 9.0 defines (`VIR_DOMAIN_EVENT_ID_LAST`).
const DOMAIN_EVENT_ID_LAST: i32 = 27;
/// Number of network event ids (`VIR_NETWORK_EVENT_ID_LAST`).
const NETWORK_EVENT_ID_LAST: i32 = 1;
/// Features answered "supported" by `CONNECT_SUPPORTS_FEATURE`: FD_PASSING (8),
/// TYPED_PARAM_STRING (9), PROGRAM_KEEPALIVE (10), REMOTE_EVENT_CALLBACK (14),
/// REMOTE_CLOSE_CALLBACK (15), NETWORK_UPDATE_HAS_CORRECT_ORDER (16).
///
/// 16: `virNetworkUpdate` used to hand `section` and `command` to drivers swapped. A client
/// asks for this feature first; when we answer 1 it sends `command` and `section` in the
/// fields of those names, which `NETWORK_UPDATE` then passes on unchanged. Without it, an
/// old client's swap and an old daemon's swap cancel out, which we do not reproduce.
const SUPPORTED_FEATURES: &[i32] = &[8, 9, 10, 14, 15, 16];
const FEATURE_PROGRAM_KEEPALIVE: i32 = 10;
/// `VIR_CONNECT_RO`.
const CONNECT_RO: u32 = 1;

pub(crate) fn not_open() -> RpcError {
    rpc_internal("hypervisor connection not open").into()
}

// --- client handlers ---

pub(crate) fn auth_list(_client: &Arc<Client>, (): ()) -> HandlerResult<AuthListRet> {
    Ok(AuthListRet {
        types: vec![AuthType::None],
    })
}

pub(crate) fn supports_feature(
    client: &Arc<Client>,
    args: ConnectSupportsFeatureArgs,
) -> HandlerResult<ConnectSupportsFeatureRet> {
    let mut s = client.lock();
    // Keepalive can be negotiated before CONNECT_OPEN; every other feature needs a driver.
    if args.feature == FEATURE_PROGRAM_KEEPALIVE {
        s.keepalive = true;
        return Ok(ConnectSupportsFeatureRet { supported: 1 });
    }
    if s.driver.is_none() {
        return Err(not_open());
    }
    let supported = int(SUPPORTED_FEATURES.contains(&args.feature));
    Ok(ConnectSupportsFeatureRet { supported })
}

pub(crate) fn open(client: &Arc<Client>, args: ConnectOpenArgs) -> HandlerResult<()> {
    let readonly = {
        let s = client.lock();
        if s.driver.is_some() {
            return Err(rpc_internal("connection already open").into());
        }
        s.readonly || args.flags & CONNECT_RO != 0
    };
    let cx = CallContext {
        identity: client.identity.clone(),
        readonly,
    };
    let conn = client
        .shared
        .registry
        .open(args.name.as_deref(), args.flags, &cx)?;
    let mut s = client.lock();
    s.driver = Some(conn);
    s.readonly = readonly;
    Ok(())
}

pub(crate) fn close(client: &Arc<Client>, (): ()) -> HandlerResult<()> {
    let mut s = client.lock();
    s.driver = None;
    s.callbacks.clear();
    Ok(())
}

pub(crate) fn register_close_callback(client: &Arc<Client>, (): ()) -> HandlerResult<()> {
    set_close_callback(client, true)
}

pub(crate) fn unregister_close_callback(client: &Arc<Client>, (): ()) -> HandlerResult<()> {
    set_close_callback(client, false)
}

fn set_close_callback(client: &Client, on: bool) -> HandlerResult<()> {
    let mut s = client.lock();
    if s.driver.is_none() {
        return Err(not_open());
    }
    s.close_callback = on;
    Ok(())
}

pub(crate) fn domain_event_register(
    client: &Arc<Client>,
    args: ConnectDomainEventCallbackRegisterAnyArgs,
) -> HandlerResult<ConnectDomainEventCallbackRegisterAnyRet> {
    if !(0..DOMAIN_EVENT_ID_LAST).contains(&args.event_id) {
        return Err(VirError::new(
            ErrorNumber::InvalidArg,
            ErrorDomain::Rpc,
            format!("unsupported event ID {}", args.event_id),
        )
        .into());
    }
    let cb = Callback::Domain {
        event_id: args.event_id,
        uuid: args.dom.map(|d| d.uuid),
    };
    let callback_id = events::add_callback(client, cb)?;
    Ok(ConnectDomainEventCallbackRegisterAnyRet { callback_id })
}

pub(crate) fn network_event_register(
    client: &Arc<Client>,
    args: ConnectNetworkEventRegisterAnyArgs,
) -> HandlerResult<ConnectNetworkEventRegisterAnyRet> {
    if !(0..NETWORK_EVENT_ID_LAST).contains(&args.event_id) {
        return Err(VirError::new(
            ErrorNumber::InvalidArg,
            ErrorDomain::Rpc,
            format!("unsupported network event ID {}", args.event_id),
        )
        .into());
    }
    let cb = Callback::Network {
        event_id: args.event_id,
        uuid: args.net.map(|n| n.uuid),
    };
    let callback_id = events::add_callback(client, cb)?;
    Ok(ConnectNetworkEventRegisterAnyRet { callback_id })
}

pub(crate) fn domain_event_deregister(
    client: &Arc<Client>,
    args: ConnectDomainEventCallbackDeregisterAnyArgs,
) -> HandlerResult<()> {
    events::remove_callback(client, args.callback_id, "domain", |c| {
        matches!(c, Callback::Domain { .. })
    })
}

pub(crate) fn network_event_deregister(
    client: &Arc<Client>,
    args: ConnectNetworkEventDeregisterAnyArgs,
) -> HandlerResult<()> {
    events::remove_callback(client, args.callback_id, "network", |c| {
        matches!(c, Callback::Network { .. })
    })
}

// --- driver handlers ---

pub(crate) async fn get_type(c: Call, (): ()) -> HandlerResult<ConnectGetTypeRet> {
    Ok(ConnectGetTypeRet {
        r#type: c.hv().get_type().await?,
    })
}

pub(crate) async fn get_version(c: Call, (): ()) -> HandlerResult<ConnectGetVersionRet> {
    Ok(ConnectGetVersionRet {
        hv_ver: c.hv().get_version().await?,
    })
}

pub(crate) async fn get_lib_version(c: Call, (): ()) -> HandlerResult<ConnectGetLibVersionRet> {
    Ok(ConnectGetLibVersionRet {
        lib_ver: c.hv().get_lib_version().await?,
    })
}

pub(crate) async fn get_hostname(c: Call, (): ()) -> HandlerResult<ConnectGetHostnameRet> {
    Ok(ConnectGetHostnameRet {
        hostname: c.hv().get_hostname().await?,
    })
}

pub(crate) async fn get_uri(c: Call, (): ()) -> HandlerResult<ConnectGetUriRet> {
    Ok(ConnectGetUriRet {
        uri: c.hv().get_uri().await?,
    })
}

pub(crate) async fn get_capabilities(c: Call, (): ()) -> HandlerResult<ConnectGetCapabilitiesRet> {
    Ok(ConnectGetCapabilitiesRet {
        capabilities: c.hv().get_capabilities().await?,
    })
}

pub(crate) async fn get_domain_capabilities(
    c: Call,
    a: ConnectGetDomainCapabilitiesArgs,
) -> HandlerResult<ConnectGetDomainCapabilitiesRet> {
    let req = oxvirt_core::DomainCapsRequest {
        emulator: a.emulatorbin,
        arch: a.arch,
        machine: a.machine,
        virttype: a.virttype,
    };
    Ok(ConnectGetDomainCapabilitiesRet {
        capabilities: c.hv().get_domain_capabilities(&req, a.flags).await?,
    })
}

pub(crate) async fn is_secure(c: Call, (): ()) -> HandlerResult<ConnectIsSecureRet> {
    Ok(ConnectIsSecureRet {
        secure: int(c.hv().is_secure().await?),
    })
}

pub(crate) async fn get_max_vcpus(
    c: Call,
    a: ConnectGetMaxVcpusArgs,
) -> HandlerResult<ConnectGetMaxVcpusRet> {
    Ok(ConnectGetMaxVcpusRet {
        max_vcpus: c.hv().get_max_vcpus(a.r#type.as_deref()).await?,
    })
}

pub(crate) async fn get_sysinfo(
    c: Call,
    a: ConnectGetSysinfoArgs,
) -> HandlerResult<ConnectGetSysinfoRet> {
    Ok(ConnectGetSysinfoRet {
        sysinfo: c.hv().get_sysinfo(a.flags).await?,
    })
}

/// libvirtd refuses list sizes over the protocol's MAX before asking the driver, and the
/// public API refuses negative ones; `var` and `limit` name the bound in its messages.
pub(crate) fn list_max(c: &Call, max: i32, var: &str, limit: (u32, &str)) -> HandlerResult<i32> {
    if max < 0 {
        return Err(negative_max(c.info, var));
    }
    if max as u32 > limit.0 {
        return Err(rpc_error(format!("{var} > {}", limit.1)).into());
    }
    Ok(max)
}
