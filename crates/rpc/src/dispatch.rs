//! Dispatch of one CALL: checks in libvirt's order, then the procedure.
//!
//! Order (as `virNetServerProgramDispatchCall` and the generated dispatchers do it):
//! program and version → message status → procedure known → arguments decode →
//! connection open → read-only policy → the driver. Connection-state procedures (auth,
//! features, open/close, callback registration) run here, in arrival order, because later
//! calls depend on their effect; driver procedures are polled once here and, if they have
//! to wait, finish on their own task.

use crate::conn::{Callback, Client};
use crate::error::{RpcError, no_support, read_only_denied, rpc_error, rpc_internal};
use crate::frame::Frame;
use oxvirt_core::{
    Connection, DomainRef, ErrorDomain, ErrorNumber, Event, NetworkRef, NetworkUpdate,
    TypedParameter, TypedValue, VirError, device_flags, resource_flags, xml_flags,
};
use oxvirt_protocol::oxvirt::{
    DomainPlanUpdateDeviceArgs, DomainPlanUpdateDeviceRet, OXVIRT_PROGRAM, OXVIRT_VERSION,
    OxvirtProc,
};
use oxvirt_protocol::remote::*;
use oxvirt_protocol::{
    Header, MessageStatus, MessageType, NonnullDomain, NonnullNetwork, REMOTE_PROGRAM,
    REMOTE_VERSION, RemoteError, TypedParam, TypedParamValue, encode_packet,
    procedures::remote_proc,
};
use oxvirt_xdr::{Decode, Encode, from_bytes};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tracing::{debug, debug_span};

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

type CallResult = Result<Vec<u8>, RpcError>;

/// Handles one packet from the client (keepalive has been answered already).
pub fn handle(client: &Arc<Client>, frame: Frame) {
    let h = frame.header;
    match h.kind() {
        Some(MessageType::Call) | Some(MessageType::CallWithFds) => {}
        _ => {
            // Replies, events and stream packets from a client have no caller to answer.
            debug!(
                client = client.id,
                proc = h.procedure,
                kind = h.msg_type,
                "ignoring non-call packet"
            );
            return;
        }
    }
    let known = matches!(
        (h.program, h.version),
        (REMOTE_PROGRAM, REMOTE_VERSION) | (OXVIRT_PROGRAM, OXVIRT_VERSION)
    );
    if !known {
        let msg = format!(
            "Cannot find program {} version {}",
            h.program as i32, h.version as i32
        );
        reply(client, &h, Err(rpc_error(msg).into()));
        return;
    }
    if h.status != MessageStatus::Ok as i32 {
        reply(
            client,
            &h,
            Err(rpc_error(format!("Unexpected message status {}", h.status as u32)).into()),
        );
        return;
    }
    if h.program == OXVIRT_PROGRAM {
        let (driver, _) = driver_of(client);
        let proc = h.procedure;
        run_call(
            client,
            h,
            Box::pin(async move { oxvirt_call(driver, proc, frame.payload()).await }),
        );
        return;
    }
    let Some(info) = remote_proc(h.procedure) else {
        reply(
            client,
            &h,
            Err(rpc_error(format!("unknown procedure: {}", h.procedure)).into()),
        );
        return;
    };
    let _span = debug_span!(
        "rpc",
        proc = info.name,
        serial = h.serial,
        client = client.id
    )
    .entered();

    if let Some(result) = connection_call(client, h.procedure, frame.payload()) {
        reply(client, &h, result);
        return;
    }

    let (driver, readonly) = driver_of(client);
    let proc = h.procedure;
    run_call(
        client,
        h,
        Box::pin(async move { driver_call(driver, readonly, proc, frame.payload()).await }),
    );
}

fn driver_of(client: &Client) -> (Option<Arc<dyn Connection>>, bool) {
    let s = client.lock();
    (s.driver.clone(), s.readonly)
}

type CallFuture = Pin<Box<dyn Future<Output = CallResult> + Send>>;

/// In-memory drivers answer at once: reply without a task switch. Anything that has to
/// wait (a QEMU process, a monitor reply) continues on its own task so the connection
/// keeps reading, and pipelined calls are answered as they complete.
fn run_call(client: &Arc<Client>, h: Header, mut fut: CallFuture) {
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(result) => reply(client, &h, result),
        Poll::Pending => {
            let client = client.clone();
            tokio::spawn(async move {
                let result = fut.await;
                reply(&client, &h, result);
            });
        }
    }
}

/// The OXVIRT program: our extensions, behind the same open check as REMOTE calls.
async fn oxvirt_call(driver: Option<Arc<dyn Connection>>, proc: i32, payload: &[u8]) -> CallResult {
    match OxvirtProc::try_from(proc) {
        Ok(OxvirtProc::DomainPlanUpdateDevice) => {
            let a: DomainPlanUpdateDeviceArgs = decode(payload)?;
            let Some(c) = driver else {
                return Err(not_open());
            };
            // Planning changes nothing, so read-only connections may ask too.
            let plan = c
                .domain_plan_update_device(&dom_ref(a.dom), &a.xml, a.flags)
                .await?;
            encode(&DomainPlanUpdateDeviceRet { plan })
        }
        Err(n) => Err(rpc_error(format!("unknown procedure: {n}")).into()),
    }
}

fn reply(client: &Client, call: &Header, result: CallResult) {
    let packet = match result {
        Ok(payload) => oxvirt_protocol::encode_packet_raw(&call.reply(MessageStatus::Ok), &payload),
        Err(e) => {
            debug!(error = %e, "call failed");
            error_packet(call, &crate::error::to_remote_error(&e))
        }
    };
    match packet {
        Ok(p) => client.send(p),
        Err(_) => {
            // Only an over-large reply gets here: tell the client instead of going silent.
            let e = crate::error::to_remote_error(&RpcError::Encode);
            if let Ok(p) = error_packet(call, &e) {
                client.send(p);
            }
        }
    }
}

fn error_packet(call: &Header, e: &RemoteError) -> Result<Vec<u8>, oxvirt_protocol::ProtocolError> {
    let mut h = call.reply(MessageStatus::Error);
    h.msg_type = MessageType::Reply as i32;
    encode_packet(&h, e)
}

fn decode<T: Decode>(payload: &[u8]) -> Result<T, RpcError> {
    from_bytes(payload).map_err(|_| RpcError::Decode)
}

fn encode<T: Encode>(v: &T) -> CallResult {
    oxvirt_xdr::to_bytes(v).map_err(|_| RpcError::Encode)
}

fn not_open() -> RpcError {
    rpc_internal("hypervisor connection not open").into()
}

/// Procedures that change the connection itself. `None` for everything else.
fn connection_call(client: &Arc<Client>, proc: i32, payload: &[u8]) -> Option<CallResult> {
    let r = match RemoteProc::try_from(proc).ok()? {
        RemoteProc::AuthList => encode(&AuthListRet {
            types: vec![AuthType::None],
        }),
        RemoteProc::ConnectSupportsFeature => supports_feature(client, payload),
        RemoteProc::ConnectOpen => open(client, payload),
        RemoteProc::ConnectClose => {
            let mut s = client.lock();
            s.driver = None;
            s.callbacks.clear();
            Ok(Vec::new())
        }
        RemoteProc::ConnectRegisterCloseCallback | RemoteProc::ConnectUnregisterCloseCallback => {
            let mut s = client.lock();
            if s.driver.is_none() {
                return Some(Err(not_open()));
            }
            s.close_callback = proc == RemoteProc::ConnectRegisterCloseCallback as i32;
            Ok(Vec::new())
        }
        RemoteProc::ConnectDomainEventCallbackRegisterAny => register_domain_event(client, payload),
        RemoteProc::ConnectNetworkEventRegisterAny => register_network_event(client, payload),
        RemoteProc::ConnectDomainEventCallbackDeregisterAny => {
            deregister(client, payload, "domain", |c| {
                matches!(c, Callback::Domain { .. })
            })
        }
        RemoteProc::ConnectNetworkEventDeregisterAny => {
            deregister(client, payload, "network", |c| {
                matches!(c, Callback::Network { .. })
            })
        }
        _ => return None,
    };
    Some(r)
}

fn supports_feature(client: &Client, payload: &[u8]) -> CallResult {
    let args: ConnectSupportsFeatureArgs = decode(payload)?;
    let mut s = client.lock();
    // Keepalive can be negotiated before CONNECT_OPEN; every other feature needs a driver.
    if args.feature == FEATURE_PROGRAM_KEEPALIVE {
        s.keepalive = true;
        return encode(&ConnectSupportsFeatureRet { supported: 1 });
    }
    if s.driver.is_none() {
        return Err(not_open());
    }
    let supported = i32::from(SUPPORTED_FEATURES.contains(&args.feature));
    encode(&ConnectSupportsFeatureRet { supported })
}

fn open(client: &Client, payload: &[u8]) -> CallResult {
    let args: ConnectOpenArgs = decode(payload)?;
    if client.lock().driver.is_some() {
        return Err(rpc_internal("connection already open").into());
    }
    let driver = client
        .shared
        .registry
        .open(args.name.as_deref(), args.flags)?;
    let mut s = client.lock();
    s.driver = Some(driver);
    // VIR_CONNECT_RO
    if args.flags & 1 != 0 {
        s.readonly = true;
    }
    Ok(Vec::new())
}

fn register_domain_event(client: &Arc<Client>, payload: &[u8]) -> CallResult {
    let args: ConnectDomainEventCallbackRegisterAnyArgs = decode(payload)?;
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
    let id = add_callback(client, cb)?;
    encode(&ConnectDomainEventCallbackRegisterAnyRet { callback_id: id })
}

fn register_network_event(client: &Arc<Client>, payload: &[u8]) -> CallResult {
    let args: ConnectNetworkEventRegisterAnyArgs = decode(payload)?;
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
    let id = add_callback(client, cb)?;
    encode(&ConnectNetworkEventRegisterAnyRet { callback_id: id })
}

/// Records a callback and makes sure the connection's event forwarder runs. The
/// subscription is taken before the reply is queued, so no event after the reply is lost.
fn add_callback(client: &Arc<Client>, cb: Callback) -> Result<i32, RpcError> {
    let mut s = client.lock();
    let Some(driver) = s.driver.clone() else {
        return Err(not_open());
    };
    let id = s.next_callback_id;
    s.next_callback_id += 1;
    s.callbacks.insert(id, cb);
    if !s.events_started {
        s.events_started = true;
        let rx = driver.events().subscribe();
        tokio::spawn(forward_events(client.clone(), rx));
    }
    Ok(id)
}

fn deregister(
    client: &Client,
    payload: &[u8],
    kind: &str,
    is_kind: fn(&Callback) -> bool,
) -> CallResult {
    let args: ConnectDomainEventCallbackDeregisterAnyArgs = decode(payload)?;
    let mut s = client.lock();
    if s.driver.is_none() {
        return Err(not_open());
    }
    match s.callbacks.get(&args.callback_id) {
        Some(cb) if is_kind(cb) => {
            s.callbacks.remove(&args.callback_id);
            Ok(Vec::new())
        }
        _ => Err(rpc_internal(&format!(
            "{kind} event callback {} not registered",
            args.callback_id
        ))
        .into()),
    }
}

/// Sends the client every event one of its callbacks asked for, until the connection ends.
async fn forward_events(client: Arc<Client>, mut rx: tokio::sync::broadcast::Receiver<Event>) {
    loop {
        let ev = tokio::select! {
            _ = client.closed.cancelled() => return,
            r = rx.recv() => match r {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    debug!(client = client.id, lost = n, "event subscriber lagged");
                    continue;
                }
                Err(_) => return,
            },
        };
        for packet in event_packets(&client, &ev) {
            client.send(packet);
        }
    }
}

/// Event MESSAGE packets carry serial 1, like libvirtd's.
const EVENT_SERIAL: u32 = 1;

fn event_packets(client: &Client, ev: &Event) -> Vec<Vec<u8>> {
    let s = client.lock();
    let mut ids: Vec<i32> = s
        .callbacks
        .iter()
        .filter(|(_, cb)| callback_matches(cb, ev))
        .map(|(id, _)| *id)
        .collect();
    drop(s);
    ids.sort_unstable();
    ids.into_iter()
        .filter_map(|id| event_packet(id, ev).ok())
        .collect()
}

fn callback_matches(cb: &Callback, ev: &Event) -> bool {
    match (cb, ev) {
        (Callback::Domain { event_id: 0, uuid }, Event::DomainLifecycle { dom, .. })
        | (Callback::Domain { event_id: 1, uuid }, Event::DomainReboot { dom }) => {
            uuid.is_none_or(|u| u == dom.uuid)
        }
        (Callback::Network { event_id: 0, uuid }, Event::NetworkLifecycle { net, .. }) => {
            uuid.is_none_or(|u| u == net.uuid)
        }
        _ => false,
    }
}

fn event_packet(callback_id: i32, ev: &Event) -> Result<Vec<u8>, oxvirt_protocol::ProtocolError> {
    match ev {
        Event::DomainLifecycle { dom, event, detail } => encode_packet(
            &Header::message(
                REMOTE_PROGRAM,
                RemoteProc::DomainEventCallbackLifecycle as i32,
                EVENT_SERIAL,
            ),
            &DomainEventCallbackLifecycleMsg {
                callback_id,
                msg: DomainEventLifecycleMsg {
                    dom: nn_domain(dom),
                    event: *event,
                    detail: *detail,
                },
            },
        ),
        Event::DomainReboot { dom } => encode_packet(
            &Header::message(
                REMOTE_PROGRAM,
                RemoteProc::DomainEventCallbackReboot as i32,
                EVENT_SERIAL,
            ),
            &DomainEventCallbackRebootMsg {
                callback_id,
                msg: DomainEventRebootMsg {
                    dom: nn_domain(dom),
                },
            },
        ),
        Event::NetworkLifecycle { net, event, detail } => encode_packet(
            &Header::message(
                REMOTE_PROGRAM,
                RemoteProc::NetworkEventLifecycle as i32,
                EVENT_SERIAL,
            ),
            &NetworkEventLifecycleMsg {
                callback_id,
                net: nn_network(net),
                event: *event,
                detail: *detail,
            },
        ),
    }
}

fn nn_domain(d: &DomainRef) -> NonnullDomain {
    NonnullDomain {
        name: d.name.clone(),
        uuid: d.uuid,
        id: d.id,
    }
}

fn dom_ref(d: NonnullDomain) -> DomainRef {
    DomainRef {
        name: d.name,
        uuid: d.uuid,
        id: d.id,
    }
}

fn nn_network(n: &NetworkRef) -> NonnullNetwork {
    NonnullNetwork {
        name: n.name.clone(),
        uuid: n.uuid,
    }
}

fn net_ref(n: NonnullNetwork) -> NetworkRef {
    NetworkRef {
        name: n.name,
        uuid: n.uuid,
    }
}

fn i(b: bool) -> i32 {
    i32::from(b)
}

/// Runs a driver procedure: decode, open check, read-only check, call, encode.
async fn driver_call(
    driver: Option<Arc<dyn Connection>>,
    readonly: bool,
    proc: i32,
    payload: &[u8],
) -> CallResult {
    let Some(info) = remote_proc(proc) else {
        return Err(rpc_error(format!("unknown procedure: {proc}")).into());
    };
    let Ok(p) = RemoteProc::try_from(proc) else {
        // A real libvirt procedure this daemon has no types for: libvirt's answer for an
        // API the driver lacks, after the same open and read-only checks.
        if driver.is_none() {
            return Err(not_open());
        }
        if readonly && !info.ro_ok {
            return Err(read_only_denied(info.api).into());
        }
        return Err(no_support(info.api).into());
    };
    // Arguments are decoded before anything else is checked, as libvirtd does.
    let args = Args::decode(p, payload)?;
    let Some(c) = driver else {
        return Err(not_open());
    };
    if readonly && (!info.ro_ok || args.needs_write()) {
        return Err(read_only_denied(info.api).into());
    }
    run(&*c, p, args, info.api).await
}

/// Decoded arguments, one variant per argument shape.
enum Args {
    Void,
    Domain(NonnullDomain),
    DomainFlags(NonnullDomain, u32),
    DomainDevice(NonnullDomain, String, u32),
    DomainXml(String, u32),
    DomainAutostart(NonnullDomain, i32),
    LookupName(String),
    LookupUuid([u8; 16]),
    LookupId(i32),
    ListAll(i32, u32),
    Network(NonnullNetwork),
    NetworkFlags(NonnullNetwork, u32),
    NetworkXml(String, u32),
    NetworkAutostart(NonnullNetwork, i32),
    NetworkUpdate(NonnullNetwork, NetworkUpdate),
    MaybeType(Option<String>),
    Max(i32),
    Flags(u32),
    /// A domain, a number (memory KiB, vCPU count) and flags.
    DomainAmount(NonnullDomain, u64, u32),
    /// A domain, a device name or path and flags.
    DomainPath(NonnullDomain, String, u32),
    /// A domain, a count the caller accepts and flags.
    DomainCount(NonnullDomain, i32, u32),
    /// A domain and two sizes (`maxinfo`, `maplen`).
    DomainVcpus(NonnullDomain, i32, i32),
    /// A domain, two sizes (`ncpumaps`, `maplen`) and flags.
    DomainPin(NonnullDomain, i32, i32, u32),
    /// Three integers (cell range, CPU stats query, CPU map query).
    Ints(i32, i32, u32),
}

impl Args {
    fn decode(p: RemoteProc, payload: &[u8]) -> Result<Self, RpcError> {
        use RemoteProc as P;
        Ok(match p {
            P::DomainCreate
            | P::DomainDestroy
            | P::DomainResume
            | P::DomainSuspend
            | P::DomainShutdown
            | P::DomainUndefine
            | P::DomainGetAutostart
            | P::DomainGetInfo
            | P::DomainGetOsType
            | P::DomainGetSecurityLabel
            | P::DomainIsActive
            | P::DomainIsPersistent
            | P::DomainGetMaxMemory
            | P::DomainGetMaxVcpus => Args::Domain(decode::<DomainArgs>(payload)?.dom),
            P::DomainReboot
            | P::DomainGetXmlDesc
            | P::DomainHasManagedSaveImage
            | P::DomainSnapshotNum
            | P::DomainCreateWithFlags
            | P::DomainGetState
            | P::DomainUndefineFlags
            | P::DomainDestroyFlags
            | P::DomainShutdownFlags
            | P::DomainGetMessages => {
                let a: DomainFlagsArgs = decode(payload)?;
                Args::DomainFlags(a.dom, a.flags)
            }
            P::DomainAttachDevice | P::DomainDetachDevice => {
                let a: DomainDeviceArgs = decode(payload)?;
                Args::DomainDevice(a.dom, a.xml, 0)
            }
            P::DomainAttachDeviceFlags
            | P::DomainDetachDeviceFlags
            | P::DomainUpdateDeviceFlags => {
                let a: DomainDeviceFlagsArgs = decode(payload)?;
                Args::DomainDevice(a.dom, a.xml, a.flags)
            }
            P::DomainDefineXml => Args::DomainXml(decode::<DomainDefineXmlArgs>(payload)?.xml, 0),
            P::DomainDefineXmlFlags => {
                let a: DomainDefineXmlFlagsArgs = decode(payload)?;
                Args::DomainXml(a.xml, a.flags)
            }
            P::DomainCreateXml => {
                let a: DomainCreateXmlArgs = decode(payload)?;
                Args::DomainXml(a.xml_desc, a.flags)
            }
            P::ConnectGetMaxVcpus => {
                Args::MaybeType(decode::<ConnectGetMaxVcpusArgs>(payload)?.r#type)
            }
            P::ConnectListDomains
            | P::ConnectListDefinedDomains
            | P::ConnectListNetworks
            | P::ConnectListDefinedNetworks => Args::Max(decode::<ListMaxArgs>(payload)?.max),
            P::DomainSetAutostart => {
                let a: DomainSetAutostartArgs = decode(payload)?;
                Args::DomainAutostart(a.dom, a.autostart)
            }
            P::DomainLookupByName => {
                Args::LookupName(decode::<DomainLookupByNameArgs>(payload)?.name)
            }
            P::DomainLookupByUuid => {
                Args::LookupUuid(decode::<DomainLookupByUuidArgs>(payload)?.uuid)
            }
            P::DomainLookupById => Args::LookupId(decode::<DomainLookupByIdArgs>(payload)?.id),
            P::NetworkLookupByName => {
                Args::LookupName(decode::<NetworkLookupByNameArgs>(payload)?.name)
            }
            P::NetworkLookupByUuid => {
                Args::LookupUuid(decode::<NetworkLookupByUuidArgs>(payload)?.uuid)
            }
            P::ConnectListAllDomains => {
                let a: ConnectListAllDomainsArgs = decode(payload)?;
                Args::ListAll(a.need_results, a.flags)
            }
            P::ConnectListAllNetworks => {
                let a: ConnectListAllNetworksArgs = decode(payload)?;
                Args::ListAll(a.need_results, a.flags)
            }
            P::NetworkCreate
            | P::NetworkDestroy
            | P::NetworkUndefine
            | P::NetworkGetAutostart
            | P::NetworkGetBridgeName
            | P::NetworkIsActive
            | P::NetworkIsPersistent => Args::Network(decode::<NetworkArgs>(payload)?.net),
            P::NetworkGetXmlDesc => {
                let a: NetworkGetXmlDescArgs = decode(payload)?;
                Args::NetworkFlags(a.net, a.flags)
            }
            P::NetworkCreateXml | P::NetworkDefineXml => {
                Args::NetworkXml(decode::<NetworkXmlArgs>(payload)?.xml, 0)
            }
            P::NetworkCreateXmlFlags | P::NetworkDefineXmlFlags => {
                let a: NetworkXmlFlagsArgs = decode(payload)?;
                Args::NetworkXml(a.xml, a.flags)
            }
            P::NetworkSetAutostart => {
                let a: NetworkSetAutostartArgs = decode(payload)?;
                Args::NetworkAutostart(a.net, a.autostart)
            }
            P::NetworkUpdate => {
                let a: NetworkUpdateArgs = decode(payload)?;
                Args::NetworkUpdate(
                    a.net,
                    NetworkUpdate {
                        command: a.command,
                        section: a.section,
                        parent_index: a.parent_index,
                        xml: a.xml,
                        flags: a.flags,
                    },
                )
            }
            P::DomainSetMemory | P::DomainSetMaxMemory => {
                let a: DomainSetMemoryArgs = decode(payload)?;
                Args::DomainAmount(a.dom, a.memory, 0)
            }
            P::DomainSetMemoryFlags => {
                let a: DomainSetMemoryFlagsArgs = decode(payload)?;
                Args::DomainAmount(a.dom, a.memory, a.flags)
            }
            P::DomainSetVcpus => {
                let a: DomainSetVcpusArgs = decode(payload)?;
                Args::DomainAmount(a.dom, u64::from(a.nvcpus), 0)
            }
            P::DomainSetVcpusFlags => {
                let a: DomainSetVcpusFlagsArgs = decode(payload)?;
                Args::DomainAmount(a.dom, u64::from(a.nvcpus), a.flags)
            }
            P::DomainGetVcpusFlags
            | P::DomainGetHostname
            | P::DomainGetTime
            | P::DomainGetControlInfo => {
                let a: DomainFlagsArgs = decode(payload)?;
                Args::DomainFlags(a.dom, a.flags)
            }
            P::DomainGetSchedulerType => Args::Domain(decode::<DomainArgs>(payload)?.dom),
            P::DomainGetVcpus => {
                let a: DomainGetVcpusArgs = decode(payload)?;
                Args::DomainVcpus(a.dom, a.maxinfo, a.maplen)
            }
            P::DomainGetVcpuPinInfo => {
                let a: DomainGetVcpuPinInfoArgs = decode(payload)?;
                Args::DomainPin(a.dom, a.ncpumaps, a.maplen, a.flags)
            }
            P::DomainMemoryStats => {
                let a: DomainMemoryStatsArgs = decode(payload)?;
                Args::DomainAmount(a.dom, u64::from(a.max_stats), a.flags)
            }
            P::DomainInterfaceStats | P::DomainBlockStats => {
                let a: DomainDevicePathArgs = decode(payload)?;
                Args::DomainPath(a.dom, a.path, 0)
            }
            P::DomainGetBlockInfo => {
                let a: DomainGetBlockInfoArgs = decode(payload)?;
                Args::DomainPath(a.dom, a.path, a.flags)
            }
            P::DomainGetSchedulerParameters => {
                let a: DomainGetSchedulerParametersArgs = decode(payload)?;
                Args::DomainCount(a.dom, a.nparams, 0)
            }
            P::DomainGetSchedulerParametersFlags | P::DomainGetMemoryParameters => {
                let a: DomainGetParametersArgs = decode(payload)?;
                Args::DomainCount(a.dom, a.nparams, a.flags)
            }
            P::ConnectGetSysinfo => Args::Flags(decode::<FlagsArgs>(payload)?.flags),
            P::NodeGetCellsFreeMemory => {
                let a: NodeGetCellsFreeMemoryArgs = decode(payload)?;
                Args::Ints(a.start_cell, a.maxcells, 0)
            }
            P::NodeGetCpuStats => {
                let a: NodeGetCpuStatsArgs = decode(payload)?;
                Args::Ints(a.cpu_num, a.nparams, a.flags)
            }
            P::NodeGetCpuMap => {
                let a: NodeGetCpuMapArgs = decode(payload)?;
                Args::Ints(a.need_map, a.need_online, a.flags)
            }
            _ => {
                // Void-argument procedures; anything else was handled as a connection call.
                Args::Void
            }
        })
    }

    /// Flag-dependent permissions: `VIR_DOMAIN_XML_SECURE` needs a read-write connection.
    fn needs_write(&self) -> bool {
        matches!(self, Args::DomainFlags(_, f) if f & xml_flags::SECURE != 0)
    }
}

async fn run(c: &dyn Connection, p: RemoteProc, args: Args, api: &str) -> CallResult {
    use RemoteProc as P;
    match (p, args) {
        (P::ConnectGetType, _) => encode(&ConnectGetTypeRet {
            r#type: c.get_type().await?,
        }),
        (P::ConnectGetVersion, _) => encode(&ConnectGetVersionRet {
            hv_ver: c.get_version().await?,
        }),
        (P::ConnectGetLibVersion, _) => encode(&ConnectGetLibVersionRet {
            lib_ver: c.get_lib_version().await?,
        }),
        (P::ConnectGetHostname, _) => encode(&ConnectGetHostnameRet {
            hostname: c.get_hostname().await?,
        }),
        (P::ConnectGetUri, _) => encode(&ConnectGetUriRet {
            uri: c.get_uri().await?,
        }),
        (P::ConnectGetCapabilities, _) => encode(&ConnectGetCapabilitiesRet {
            capabilities: c.get_capabilities().await?,
        }),
        (P::ConnectIsSecure, _) => encode(&ConnectIsSecureRet {
            secure: i(c.is_secure().await?),
        }),
        (P::ConnectGetMaxVcpus, Args::MaybeType(t)) => encode(&ConnectGetMaxVcpusRet {
            max_vcpus: c.get_max_vcpus(t.as_deref()).await?,
        }),
        (P::ConnectNumOfDomains, _) => encode(&NumRet {
            num: c.num_of_domains().await?,
        }),
        (P::ConnectNumOfDefinedDomains, _) => encode(&NumRet {
            num: c.num_of_defined_domains().await?,
        }),
        (P::ConnectNumOfNetworks, _) => encode(&NumRet {
            num: c.num_of_networks().await?,
        }),
        (P::ConnectNumOfDefinedNetworks, _) => encode(&NumRet {
            num: c.num_of_defined_networks().await?,
        }),
        (P::ConnectListDomains, Args::Max(max)) => encode(&ConnectListDomainsRet {
            ids: c.list_domain_ids(check_max(max, p, api)?).await?,
        }),
        (P::ConnectListDefinedDomains, Args::Max(max)) => encode(&ConnectListDefinedDomainsRet {
            names: c.list_defined_domains(check_max(max, p, api)?).await?,
        }),
        (P::ConnectListNetworks, Args::Max(max)) => encode(&ConnectListNetworkNamesRet {
            names: c.list_networks(check_max(max, p, api)?).await?,
        }),
        (P::ConnectListDefinedNetworks, Args::Max(max)) => encode(&ConnectListNetworkNamesRet {
            names: c.list_defined_networks(check_max(max, p, api)?).await?,
        }),
        (P::DomainCreateXml, Args::DomainXml(xml, flags)) => encode(&DomainRet {
            dom: nn_domain(&c.domain_create_xml(&xml, flags).await?),
        }),
        (P::DomainGetMaxMemory, Args::Domain(d)) => encode(&DomainGetMaxMemoryRet {
            memory: c.domain_get_max_memory(&dom_ref(d)).await?,
        }),
        (P::DomainGetMaxVcpus, Args::Domain(d)) => encode(&NumRet {
            num: c.domain_get_max_vcpus(&dom_ref(d)).await?,
        }),
        (P::NodeGetInfo, _) => {
            let n = c.node_get_info().await?;
            let mut model = [0i8; 32];
            for (dst, b) in model.iter_mut().zip(n.model.bytes().take(31)) {
                *dst = b as i8;
            }
            encode(&NodeGetInfoRet {
                model,
                memory: n.memory_kib,
                cpus: n.cpus,
                mhz: n.mhz,
                nodes: n.nodes,
                sockets: n.sockets,
                cores: n.cores,
                threads: n.threads,
            })
        }
        (P::NodeGetSecurityModel, _) => {
            let m = c.node_get_security_model().await?;
            encode(&NodeGetSecurityModelRet {
                model: c_chars(&m.model),
                doi: c_chars(&m.doi),
            })
        }
        (P::ConnectListAllDomains, Args::ListAll(need, flags)) => {
            let doms = c.list_all_domains(flags).await?;
            let ret = u32::try_from(doms.len()).map_err(|_| RpcError::Encode)?;
            let domains = if need != 0 {
                doms.iter().map(nn_domain).collect()
            } else {
                Vec::new()
            };
            encode(&ConnectListAllDomainsRet { domains, ret })
        }
        (P::ConnectListAllNetworks, Args::ListAll(need, flags)) => {
            let nets = c.list_all_networks(flags).await?;
            let ret = u32::try_from(nets.len()).map_err(|_| RpcError::Encode)?;
            let nets = if need != 0 {
                nets.iter().map(nn_network).collect()
            } else {
                Vec::new()
            };
            encode(&ConnectListAllNetworksRet { nets, ret })
        }
        (P::DomainLookupByName, Args::LookupName(name)) => encode(&DomainRet {
            dom: nn_domain(&c.domain_lookup_by_name(&name).await?),
        }),
        (P::DomainLookupByUuid, Args::LookupUuid(uuid)) => encode(&DomainRet {
            dom: nn_domain(&c.domain_lookup_by_uuid(uuid).await?),
        }),
        (P::DomainLookupById, Args::LookupId(id)) => encode(&DomainRet {
            dom: nn_domain(&c.domain_lookup_by_id(id).await?),
        }),
        (P::DomainDefineXml | P::DomainDefineXmlFlags, Args::DomainXml(xml, flags)) => {
            encode(&DomainRet {
                dom: nn_domain(&c.domain_define_xml(&xml, flags).await?),
            })
        }
        (P::DomainUndefine, Args::Domain(d)) => {
            c.domain_undefine(&dom_ref(d), 0).await?;
            Ok(Vec::new())
        }
        (P::DomainUndefineFlags, Args::DomainFlags(d, f)) => {
            c.domain_undefine(&dom_ref(d), f).await?;
            Ok(Vec::new())
        }
        (P::DomainCreate, Args::Domain(d)) => {
            c.domain_create(&dom_ref(d), 0).await?;
            Ok(Vec::new())
        }
        (P::DomainCreateWithFlags, Args::DomainFlags(d, f)) => encode(&DomainRet {
            dom: nn_domain(&c.domain_create(&dom_ref(d), f).await?),
        }),
        (P::DomainDestroy, Args::Domain(d)) => unit(c.domain_destroy(&dom_ref(d), 0).await),
        (P::DomainDestroyFlags, Args::DomainFlags(d, f)) => {
            unit(c.domain_destroy(&dom_ref(d), f).await)
        }
        (P::DomainShutdown, Args::Domain(d)) => unit(c.domain_shutdown(&dom_ref(d), 0).await),
        (P::DomainShutdownFlags, Args::DomainFlags(d, f)) => {
            unit(c.domain_shutdown(&dom_ref(d), f).await)
        }
        (P::DomainReboot, Args::DomainFlags(d, f)) => unit(c.domain_reboot(&dom_ref(d), f).await),
        (P::DomainSuspend, Args::Domain(d)) => unit(c.domain_suspend(&dom_ref(d)).await),
        (P::DomainResume, Args::Domain(d)) => unit(c.domain_resume(&dom_ref(d)).await),
        (P::DomainGetAutostart, Args::Domain(d)) => encode(&DomainGetAutostartRet {
            autostart: i(c.domain_get_autostart(&dom_ref(d)).await?),
        }),
        (P::DomainSetAutostart, Args::DomainAutostart(d, on)) => {
            unit(c.domain_set_autostart(&dom_ref(d), on != 0).await)
        }
        (P::DomainGetInfo, Args::Domain(d)) => {
            let info = c.domain_get_info(&dom_ref(d)).await?;
            encode(&DomainGetInfoRet {
                state: info.state.code() as u8,
                max_mem: info.max_mem_kib,
                memory: info.memory_kib,
                nr_virt_cpu: info.nr_virt_cpu,
                cpu_time: info.cpu_time_ns,
            })
        }
        (P::DomainGetState, Args::DomainFlags(d, f)) => {
            let (state, reason) = c.domain_get_state(&dom_ref(d), f).await?;
            encode(&DomainGetStateRet {
                state: state.code(),
                reason,
            })
        }
        (P::DomainGetXmlDesc, Args::DomainFlags(d, f)) => encode(&DomainGetXmlDescRet {
            xml: c.domain_get_xml_desc(&dom_ref(d), f).await?,
        }),
        (P::DomainIsActive, Args::Domain(d)) => encode(&DomainIsActiveRet {
            active: i(c.domain_is_active(&dom_ref(d)).await?),
        }),
        (P::DomainIsPersistent, Args::Domain(d)) => encode(&DomainIsPersistentRet {
            persistent: i(c.domain_is_persistent(&dom_ref(d)).await?),
        }),
        (P::DomainHasManagedSaveImage, Args::DomainFlags(d, f)) => {
            encode(&DomainHasManagedSaveImageRet {
                result: i(c.domain_has_managed_save_image(&dom_ref(d), f).await?),
            })
        }
        (P::DomainSnapshotNum, Args::DomainFlags(d, f)) => encode(&DomainSnapshotNumRet {
            num: c.domain_snapshot_num(&dom_ref(d), f).await?,
        }),
        (P::DomainGetSecurityLabel, Args::Domain(d)) => {
            let l = c.domain_get_security_label(&dom_ref(d)).await?;
            encode(&DomainGetSecurityLabelRet {
                label: c_chars(&l.label),
                enforcing: i(l.enforcing),
            })
        }
        (P::DomainGetMessages, Args::DomainFlags(d, f)) => encode(&DomainGetMessagesRet {
            msgs: c.domain_get_messages(&dom_ref(d), f).await?,
        }),
        (P::DomainGetOsType, Args::Domain(d)) => encode(&DomainGetOsTypeRet {
            r#type: c.domain_get_os_type(&dom_ref(d)).await?,
        }),
        (P::DomainAttachDevice | P::DomainAttachDeviceFlags, Args::DomainDevice(d, xml, f)) => {
            unit(c.domain_attach_device(&dom_ref(d), &xml, f).await)
        }
        (P::DomainDetachDevice | P::DomainDetachDeviceFlags, Args::DomainDevice(d, xml, f)) => {
            unit(c.domain_detach_device(&dom_ref(d), &xml, f).await)
        }
        (P::DomainUpdateDeviceFlags, Args::DomainDevice(d, xml, f)) => {
            unit(c.domain_update_device(&dom_ref(d), &xml, f).await)
        }
        (P::NetworkLookupByName, Args::LookupName(name)) => encode(&NetworkRet {
            net: nn_network(&c.network_lookup_by_name(&name).await?),
        }),
        (P::NetworkLookupByUuid, Args::LookupUuid(uuid)) => encode(&NetworkRet {
            net: nn_network(&c.network_lookup_by_uuid(uuid).await?),
        }),
        (P::NetworkDefineXml | P::NetworkDefineXmlFlags, Args::NetworkXml(xml, f)) => {
            encode(&NetworkRet {
                net: nn_network(&c.network_define_xml(&xml, f).await?),
            })
        }
        (P::NetworkCreateXml | P::NetworkCreateXmlFlags, Args::NetworkXml(xml, f)) => {
            encode(&NetworkRet {
                net: nn_network(&c.network_create_xml(&xml, f).await?),
            })
        }
        (P::NetworkUndefine, Args::Network(n)) => unit(c.network_undefine(&net_ref(n)).await),
        (P::NetworkCreate, Args::Network(n)) => unit(c.network_create(&net_ref(n)).await),
        (P::NetworkDestroy, Args::Network(n)) => unit(c.network_destroy(&net_ref(n)).await),
        (P::NetworkGetXmlDesc, Args::NetworkFlags(n, f)) => encode(&NetworkGetXmlDescRet {
            xml: c.network_get_xml_desc(&net_ref(n), f).await?,
        }),
        (P::NetworkGetBridgeName, Args::Network(n)) => encode(&NetworkGetBridgeNameRet {
            name: c.network_get_bridge_name(&net_ref(n)).await?,
        }),
        (P::NetworkGetAutostart, Args::Network(n)) => encode(&NetworkGetAutostartRet {
            autostart: i(c.network_get_autostart(&net_ref(n)).await?),
        }),
        (P::NetworkSetAutostart, Args::NetworkAutostart(n, on)) => {
            unit(c.network_set_autostart(&net_ref(n), on != 0).await)
        }
        (P::NetworkUpdate, Args::NetworkUpdate(n, u)) => {
            unit(c.network_update(&net_ref(n), &u).await)
        }
        (P::NetworkIsActive, Args::Network(n)) => encode(&NetworkIsActiveRet {
            active: i(c.network_is_active(&net_ref(n)).await?),
        }),
        (P::NetworkIsPersistent, Args::Network(n)) => encode(&NetworkIsPersistentRet {
            persistent: i(c.network_is_persistent(&net_ref(n)).await?),
        }),
        (P::DomainSetMemory, Args::DomainAmount(d, kib, _)) => unit(
            c.domain_set_memory(&dom_ref(d), kib, device_flags::LIVE)
                .await,
        ),
        (P::DomainSetMaxMemory, Args::DomainAmount(d, kib, _)) => {
            let flags = resource_flags::MEM_MAXIMUM;
            unit(c.domain_set_memory(&dom_ref(d), kib, flags).await)
        }
        (P::DomainSetMemoryFlags, Args::DomainAmount(d, kib, f)) => {
            unit(c.domain_set_memory(&dom_ref(d), kib, f).await)
        }
        (P::DomainSetVcpus, Args::DomainAmount(d, n, _)) => {
            let n = u32::try_from(n).map_err(|_| RpcError::Decode)?;
            unit(c.domain_set_vcpus(&dom_ref(d), n, device_flags::LIVE).await)
        }
        (P::DomainSetVcpusFlags, Args::DomainAmount(d, n, f)) => {
            let n = u32::try_from(n).map_err(|_| RpcError::Decode)?;
            unit(c.domain_set_vcpus(&dom_ref(d), n, f).await)
        }
        (P::DomainGetVcpusFlags, Args::DomainFlags(d, f)) => encode(&NumRet {
            num: c.domain_get_vcpus_flags(&dom_ref(d), f).await?,
        }),
        (P::DomainGetVcpus, Args::DomainVcpus(d, maxinfo, maplen)) => {
            let (maxinfo, maplen) = vcpu_map_sizes(maxinfo, maplen, "maxinfo")?;
            let v = c.domain_get_vcpus(&dom_ref(d), maxinfo, maplen).await?;
            encode(&DomainGetVcpusRet {
                info: v
                    .info
                    .iter()
                    .map(|i| VcpuInfo {
                        number: i.number,
                        state: i.state,
                        cpu_time: i.cpu_time_ns,
                        cpu: i.cpu,
                    })
                    .collect(),
                cpumaps: v.cpumaps,
            })
        }
        (P::DomainGetVcpuPinInfo, Args::DomainPin(d, ncpumaps, maplen, f)) => {
            let (ncpumaps, maplen) = vcpu_map_sizes(ncpumaps, maplen, "ncpumaps")?;
            let (cpumaps, num) = c
                .domain_get_vcpu_pin_info(&dom_ref(d), ncpumaps, maplen, f)
                .await?;
            encode(&DomainGetVcpuPinInfoRet { cpumaps, num })
        }
        (P::DomainMemoryStats, Args::DomainAmount(d, max, f)) => {
            if max > u64::from(DOMAIN_MEMORY_STATS_MAX) {
                return Err(rpc_internal("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX").into());
            }
            let max = u32::try_from(max).map_err(|_| RpcError::Decode)?;
            let stats = c.domain_memory_stats(&dom_ref(d), max, f).await?;
            encode(&DomainMemoryStatsRet {
                stats: stats
                    .iter()
                    .map(|s| DomainMemoryStat {
                        tag: s.tag,
                        val: s.val,
                    })
                    .collect(),
            })
        }
        (P::DomainInterfaceStats, Args::DomainPath(d, dev, _)) => {
            let s = c.domain_interface_stats(&dom_ref(d), &dev).await?;
            encode(&DomainInterfaceStatsRet {
                rx_bytes: s.rx_bytes,
                rx_packets: s.rx_packets,
                rx_errs: s.rx_errs,
                rx_drop: s.rx_drop,
                tx_bytes: s.tx_bytes,
                tx_packets: s.tx_packets,
                tx_errs: s.tx_errs,
                tx_drop: s.tx_drop,
            })
        }
        (P::DomainBlockStats, Args::DomainPath(d, path, _)) => {
            let s = c.domain_block_stats(&dom_ref(d), &path).await?;
            encode(&DomainBlockStatsRet {
                rd_req: s.rd_req,
                rd_bytes: s.rd_bytes,
                wr_req: s.wr_req,
                wr_bytes: s.wr_bytes,
                errs: s.errs,
            })
        }
        (P::DomainGetBlockInfo, Args::DomainPath(d, path, f)) => {
            let b = c.domain_get_block_info(&dom_ref(d), &path, f).await?;
            encode(&DomainGetBlockInfoRet {
                allocation: b.allocation,
                capacity: b.capacity,
                physical: b.physical,
            })
        }
        (P::DomainGetHostname, Args::DomainFlags(d, f)) => encode(&DomainGetHostnameRet {
            hostname: c.domain_get_hostname(&dom_ref(d), f).await?,
        }),
        (P::DomainGetTime, Args::DomainFlags(d, f)) => {
            let (seconds, nseconds) = c.domain_get_time(&dom_ref(d), f).await?;
            encode(&DomainGetTimeRet { seconds, nseconds })
        }
        (P::DomainGetControlInfo, Args::DomainFlags(d, f)) => {
            let i = c.domain_get_control_info(&dom_ref(d), f).await?;
            encode(&DomainGetControlInfoRet {
                state: i.state,
                details: i.details,
                state_time: i.state_time,
            })
        }
        (P::DomainGetSchedulerType, Args::Domain(d)) => {
            let (r#type, nparams) = c.domain_get_scheduler_type(&dom_ref(d)).await?;
            encode(&DomainGetSchedulerTypeRet { r#type, nparams })
        }
        (
            P::DomainGetSchedulerParameters | P::DomainGetSchedulerParametersFlags,
            Args::DomainCount(d, nparams, f),
        ) => {
            check_nparams(nparams, DOMAIN_SCHEDULER_PARAMETERS_MAX)?;
            let params = c
                .domain_get_scheduler_parameters(&dom_ref(d), nparams, f)
                .await?;
            encode(&DomainGetSchedulerParametersRet {
                params: params.into_iter().map(typed_param).collect(),
            })
        }
        (P::DomainGetMemoryParameters, Args::DomainCount(d, nparams, f)) => {
            check_nparams(nparams, DOMAIN_MEMORY_PARAMETERS_MAX)?;
            let p = c
                .domain_get_memory_parameters(&dom_ref(d), nparams, f)
                .await?;
            encode(&DomainGetMemoryParametersRet {
                params: p.params.into_iter().map(typed_param).collect(),
                nparams: p.nparams,
            })
        }
        (P::ConnectGetSysinfo, Args::Flags(f)) => encode(&ConnectGetSysinfoRet {
            sysinfo: c.get_sysinfo(f).await?,
        }),
        (P::NodeGetFreeMemory, _) => encode(&NodeGetFreeMemoryRet {
            free_mem: c.node_get_free_memory().await?,
        }),
        (P::NodeGetCellsFreeMemory, Args::Ints(start, max, _)) => {
            if max as u32 > NODE_MAX_CELLS {
                return Err(rpc_internal("maxCells > REMOTE_NODE_MAX_CELLS").into());
            }
            encode(&NodeGetCellsFreeMemoryRet {
                cells: c.node_get_cells_free_memory(start, max).await?,
            })
        }
        (P::NodeGetCpuStats, Args::Ints(cpu, nparams, f)) => {
            check_nparams(nparams, NODE_CPU_STATS_MAX)?;
            let s = c.node_get_cpu_stats(cpu, nparams, f).await?;
            encode(&NodeGetCpuStatsRet {
                params: s
                    .params
                    .into_iter()
                    .map(|p| NodeCpuStat {
                        field: p.field,
                        value: p.value,
                    })
                    .collect(),
                nparams: s.nparams,
            })
        }
        (P::NodeGetCpuMap, Args::Ints(need_map, need_online, f)) => {
            let m = c.node_get_cpu_map(f).await?;
            encode(&NodeGetCpuMapRet {
                cpumap: if need_map != 0 { m.map } else { Vec::new() },
                online: if need_online != 0 { m.online } else { 0 },
                ret: m.cpus,
            })
        }
        _ => Err(no_support(api).into()),
    }
}

/// libvirtd bounds a vCPU map reply (`count` maps of `maplen` bytes) before asking the
/// driver; `name` is the count's argument name in its message.
fn vcpu_map_sizes(count: i32, maplen: i32, name: &str) -> Result<(usize, usize), RpcError> {
    if count as u32 > VCPUINFO_MAX {
        return Err(rpc_internal(&format!("{name} > REMOTE_VCPUINFO_MAX")).into());
    }
    let count = usize::try_from(count).unwrap_or(0);
    let maplen = usize::try_from(maplen).unwrap_or(0);
    if count.saturating_mul(maplen) > CPUMAPS_MAX as usize {
        return Err(rpc_internal("maxinfo * maplen > REMOTE_CPUMAPS_MAX").into());
    }
    Ok((count, maplen))
}

/// libvirtd refuses a parameter count over the protocol's bound before asking the driver.
fn check_nparams(nparams: i32, max: u32) -> Result<(), RpcError> {
    if nparams as u32 > max {
        return Err(rpc_internal("nparams too large").into());
    }
    Ok(())
}

fn typed_param(p: TypedParameter) -> TypedParam {
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

fn unit(r: Result<(), VirError>) -> CallResult {
    r.map(|()| Vec::new()).map_err(RpcError::from)
}

/// libvirtd refuses list sizes over the protocol's MAX before asking the driver, and the
/// public API refuses negative ones.
fn check_max(max: i32, p: RemoteProc, api: &str) -> Result<i32, RpcError> {
    let (var, limit, define) = match p {
        RemoteProc::ConnectListDomains => ("maxids", DOMAIN_LIST_MAX, "REMOTE_DOMAIN_LIST_MAX"),
        RemoteProc::ConnectListDefinedDomains => {
            ("maxnames", DOMAIN_LIST_MAX, "REMOTE_DOMAIN_LIST_MAX")
        }
        _ => ("maxnames", NETWORK_LIST_MAX, "REMOTE_NETWORK_LIST_MAX"),
    };
    if max < 0 {
        return Err(VirError::new(
            ErrorNumber::InvalidArg,
            crate::error::api_error_domain(api),
            format!("{var} in {api} must be greater than or equal to zero"),
        )
        .into());
    }
    if max as u32 > limit {
        return Err(rpc_error(format!("{var} > {define}")).into());
    }
    Ok(max)
}
