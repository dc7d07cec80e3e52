//! Dispatch of one CALL: checks in libvirt's order, then the procedure's row.
//!
//! Order (as `virNetServerProgramDispatchCall` and the generated dispatchers do it):
//! program and version → message status → procedure known → arguments decode →
//! connection open → read-only policy → the handler. The row of `crate::table` says how a
//! procedure runs: connection-state procedures (auth, features, open/close, callback
//! registration) run here, in arrival order, because later calls depend on their effect;
//! driver procedures are polled once here and, if they have to wait, finish on their own
//! task.

use crate::conn::Client;
use crate::error::{RpcError, no_support, read_only_denied, rpc_error};
use crate::frame::Frame;
use crate::handlers::connect::not_open;
use crate::handlers::{Call, dom_ref};
use crate::table::{Row, row};
use oxvirt_core::{CallContext, Connection, ErrorNumber};
use oxvirt_protocol::oxvirt::{
    DomainPlanUpdateDeviceArgs, DomainPlanUpdateDeviceRet, OXVIRT_PROGRAM, OXVIRT_VERSION,
    OxvirtProc,
};
use oxvirt_protocol::procedures::{ProcInfo, remote_proc};
use oxvirt_protocol::remote::RemoteProc;
use oxvirt_protocol::{
    Header, MessageStatus, MessageType, REMOTE_PROGRAM, REMOTE_VERSION, RemoteError, encode_packet,
};
use oxvirt_xdr::{Decode, Encode, from_bytes};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tracing::{debug, debug_span};

/// An encoded reply body, or why the call failed.
pub(crate) type CallResult = Result<Vec<u8>, RpcError>;

/// A driver call on its way.
pub(crate) type CallFuture = Pin<Box<dyn Future<Output = CallResult> + Send>>;

/// A driver call before its checks: the client's connection (if open), who is calling and
/// the procedure.
#[derive(Debug)]
pub(crate) struct PreCall {
    conn: Option<Connection>,
    cx: CallContext,
    info: &'static ProcInfo,
}

impl PreCall {
    fn of(client: &Client, info: &'static ProcInfo) -> Self {
        let s = client.lock();
        PreCall {
            conn: s.driver.clone(),
            cx: CallContext {
                identity: client.identity.clone(),
                readonly: s.readonly,
            },
            info,
        }
    }

    /// The connection checks after decoding: open, then the read-only policy.
    pub(crate) fn check(self) -> Result<Call, RpcError> {
        let Some(conn) = self.conn else {
            return Err(not_open());
        };
        if self.cx.readonly && !self.info.ro_ok {
            return Err(read_only_denied(self.info).into());
        }
        Ok(Call {
            conn,
            cx: self.cx,
            info: self.info,
        })
    }
}

/// "Not supported by the connection driver" is reported by libvirt's public API layer,
/// in the error domain of the file defining the API, whatever driver lacked the method.
pub(crate) fn api_layer_error(e: RpcError, info: &ProcInfo) -> RpcError {
    match e {
        RpcError::Vir(mut v) if v.code == ErrorNumber::NoSupport => {
            v.domain = info.error_domain;
            RpcError::Vir(v)
        }
        other => other,
    }
}

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
        let conn = client.lock().driver.clone();
        let proc = h.procedure;
        run_call(
            client,
            h,
            Box::pin(async move { oxvirt_call(conn, proc, frame.payload()).await }),
        );
        return;
    }
    let Some(info) = remote_proc(h.procedure) else {
        reply(client, &h, Err(unknown_procedure(h.procedure)));
        return;
    };
    let _span = debug_span!(
        "rpc",
        proc = info.name,
        serial = h.serial,
        client = client.id
    )
    .entered();

    let pre = PreCall::of(client, info);
    match RemoteProc::try_from(h.procedure).map(row) {
        Ok(Row::Client(f)) => reply(client, &h, f(client, frame.payload())),
        Ok(Row::Driver(f)) => run_call(client, h, f(pre, frame)),
        Ok(Row::Message) | Err(_) => reply(client, &h, Err(unknown_procedure(h.procedure))),
        // libvirt's answer for an API the driver lacks, after the same checks.
        Ok(Row::Unsupported) => reply(
            client,
            &h,
            pre.check().and_then(|_| Err(no_support(info).into())),
        ),
    }
}

fn unknown_procedure(proc: i32) -> RpcError {
    rpc_error(format!("unknown procedure: {proc}")).into()
}

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
async fn oxvirt_call(conn: Option<Connection>, proc: i32, payload: &[u8]) -> CallResult {
    match OxvirtProc::try_from(proc) {
        Ok(OxvirtProc::DomainPlanUpdateDevice) => {
            let a: DomainPlanUpdateDeviceArgs = decode(payload)?;
            let Some(c) = conn else {
                return Err(not_open());
            };
            // Planning changes nothing, so read-only connections may ask too.
            let plan = c
                .hypervisor
                .domain_plan_update_device(&dom_ref(a.dom), &a.xml, a.flags)
                .await?;
            encode(&DomainPlanUpdateDeviceRet { plan })
        }
        Err(n) => Err(unknown_procedure(n)),
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

pub(crate) fn decode<T: Decode>(payload: &[u8]) -> Result<T, RpcError> {
    from_bytes(payload).map_err(|_| RpcError::Decode)
}

pub(crate) fn encode<T: Encode>(v: &T) -> CallResult {
    oxvirt_xdr::to_bytes(v).map_err(|_| RpcError::Encode)
}
