//! Raw-socket tests of the daemon's RPC edge: read-only enforcement, malformed input,
//! pipelining, keepalive and events. Every test talks to a fresh `oxvirtd` through the
//! blocking client in `common::raw`; every read has a timeout.

mod common;

use common::Daemon;
use common::raw::{RawConn, Read1, packet, xdr};
use oxvirt_protocol::remote::{
    ConnectDomainEventCallbackDeregisterAnyArgs, ConnectDomainEventCallbackRegisterAnyArgs,
    ConnectDomainEventCallbackRegisterAnyRet, ConnectGetTypeRet, ConnectOpenArgs,
    ConnectSupportsFeatureArgs, DomainDefineXmlArgs, DomainDefineXmlRet,
    DomainEventCallbackLifecycleMsg, DomainEventLifecycleMsg, DomainGetXmlDescArgs,
    DomainLookupByNameArgs, RemoteProc,
};
use oxvirt_protocol::{
    Header, KEEPALIVE_PROGRAM, MessageStatus, MessageType, NonnullDomain, REMOTE_PROGRAM,
    RemoteError, procedures::remote_proc, split_packet,
};
use std::time::{Duration, Instant};

const TEST_UUID: [u8; 16] = [
    0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04, 0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e, 0x19, 0x3f,
];

const PROC_OPEN: i32 = RemoteProc::ConnectOpen as i32;
const PROC_GET_TYPE: i32 = RemoteProc::ConnectGetType as i32;
const PROC_GET_HOSTNAME: i32 = RemoteProc::ConnectGetHostname as i32;
const PROC_LOOKUP_BY_NAME: i32 = RemoteProc::DomainLookupByName as i32;
const PROC_DESTROY: i32 = RemoteProc::DomainDestroy as i32;
const PROC_GET_XML_DESC: i32 = RemoteProc::DomainGetXmlDesc as i32;
const PROC_SUPPORTS_FEATURE: i32 = RemoteProc::ConnectSupportsFeature as i32;
const PROC_DEFINE_XML: i32 = RemoteProc::DomainDefineXml as i32;
const PROC_EVENT_REGISTER: i32 = RemoteProc::ConnectDomainEventCallbackRegisterAny as i32;
const PROC_EVENT_DEREGISTER: i32 = RemoteProc::ConnectDomainEventCallbackDeregisterAny as i32;
const PROC_EVENT_LIFECYCLE: i32 = RemoteProc::DomainEventCallbackLifecycle as i32;
/// `REMOTE_PROC_DOMAIN_OPEN_CONSOLE`: a real libvirt procedure oxvirtd has no types for.
const PROC_OPEN_CONSOLE: i32 = 201;

fn test_domain() -> NonnullDomain {
    NonnullDomain {
        name: "test".into(),
        uuid: TEST_UUID,
        id: 1,
    }
}

fn lookup_args(name: &str) -> Vec<u8> {
    xdr(&DomainLookupByNameArgs { name: name.into() })
}

fn open_args(flags: u32) -> Vec<u8> {
    xdr(&ConnectOpenArgs {
        name: Some("test:///default".into()),
        flags,
    })
}

fn get_type(conn: &mut RawConn, serial: u32) -> String {
    let p = conn.call_ok(PROC_GET_TYPE, serial, &[]);
    oxvirt_xdr::from_bytes::<ConnectGetTypeRet>(&p)
        .expect("get_type ret")
        .r#type
}

/// `(code, domain, message)` of an error.
fn cdm(e: &RemoteError) -> (i32, i32, &str) {
    (e.code, e.domain, e.message.as_deref().unwrap_or(""))
}

/// A second, well-behaved client that must keep getting answers while another client
/// misbehaves.
struct Witness {
    conn: RawConn,
    serial: u32,
}

impl Witness {
    fn open(d: &Daemon) -> Witness {
        let mut conn = RawConn::unix(&d.socket());
        conn.open_test(0);
        Witness { conn, serial: 2 }
    }

    fn assert_answers(&mut self) {
        self.serial += 1;
        assert_eq!(get_type(&mut self.conn, self.serial), "TEST");
    }
}

// ---------------------------------------------------------------------------
// Read-only enforcement

#[test]
fn test_ro_socket_destroy_refused_then_reads_work() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.ro_socket());
    c.open_test(0);
    let dom = c.call_ok(PROC_LOOKUP_BY_NAME, 2, &lookup_args("test"));

    // Act
    let err = c.call_err(PROC_DESTROY, 3, &dom);
    let ty = get_type(&mut c, 4);

    // Assert
    assert_eq!(
        cdm(&err),
        (
            29,
            20,
            "operation forbidden: read only access prevents virDomainDestroy"
        )
    );
    assert_eq!(ty, "TEST");
}

#[test]
fn test_rw_socket_open_flag_ro_destroy_refused() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(1);

    // Act
    let err = c.call_err(PROC_DESTROY, 2, &xdr(&test_domain()));

    // Assert
    assert_eq!(
        cdm(&err),
        (
            29,
            20,
            "operation forbidden: read only access prevents virDomainDestroy"
        )
    );
    let mut w = Witness::open(&d);
    let state = w
        .conn
        .call_ok(RemoteProc::DomainIsActive as i32, 10, &xdr(&test_domain()));
    assert_eq!(state, [0, 0, 0, 1], "domain test must still be running");
}

#[test]
fn test_ro_socket_get_xml_desc_secure_refused_plain_allowed() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.ro_socket());
    c.open_test(0);
    let secure = xdr(&DomainGetXmlDescArgs {
        dom: test_domain(),
        flags: 1,
    });
    let plain = xdr(&DomainGetXmlDescArgs {
        dom: test_domain(),
        flags: 0,
    });

    // Act
    let err = c.call_err(PROC_GET_XML_DESC, 2, &secure);
    let (h, _) = c.call(PROC_GET_XML_DESC, 3, &plain);

    // Assert
    assert_eq!(
        cdm(&err),
        (
            29,
            20,
            "operation forbidden: read only access prevents virDomainGetXMLDesc"
        )
    );
    assert_eq!(h.status, MessageStatus::Ok as i32);
}

// ---------------------------------------------------------------------------
// Malformed input

#[test]
fn test_truncated_packet_then_close_daemon_serves_next_client() {
    // Arrange
    let mut d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut bad = RawConn::unix(&d.socket());
    let mut partial = 100u32.to_be_bytes().to_vec();
    partial.extend_from_slice(&Header::call(REMOTE_PROGRAM, PROC_GET_TYPE, 0).encode());
    partial.resize(40, 0);

    // Act
    bad.send(&partial).expect("send partial packet");
    drop(bad);

    // Assert
    let mut next = RawConn::unix(&d.socket());
    next.open_test(0);
    assert_eq!(get_type(&mut next, 2), "TEST");
    w.assert_answers();
    assert!(d.is_running());
}

#[test]
fn test_oversize_length_word_connection_closed_without_reply() {
    // Arrange
    let mut d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut bad = RawConn::unix(&d.socket());
    bad.open_test(0);
    let mut garbage = 0x0200_0005u32.to_be_bytes().to_vec();
    garbage.extend_from_slice(&[0; 24]);

    // Act
    let _ = bad.send(&garbage);
    let got = bad.expect_closed(Duration::from_secs(5));

    // Assert
    assert!(got.is_empty(), "server answered: {got:02x?}");
    w.assert_answers();
    assert!(d.is_running());
}

#[test]
fn test_short_length_word_connection_closed_without_reply() {
    let mut d = Daemon::start();
    let mut w = Witness::open(&d);
    for len in [0u32, 4, 27] {
        // Arrange
        let mut bad = RawConn::unix(&d.socket());
        let mut garbage = len.to_be_bytes().to_vec();
        garbage.extend_from_slice(&[0; 28]);

        // Act
        let _ = bad.send(&garbage);
        let got = bad.expect_closed(Duration::from_secs(5));

        // Assert
        assert!(
            got.is_empty(),
            "length word {len}: server answered {got:02x?}"
        );
        w.assert_answers();
    }
    assert!(d.is_running());
}

#[test]
fn test_bad_string_length_decode_error_connection_usable() {
    // Arrange: LOOKUP_BY_NAME whose string claims 16 bytes but carries 2.
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let payload = [0, 0, 0, 0x10, b'a', b'b'];

    // Act
    let err = c.call_err(PROC_LOOKUP_BY_NAME, 2, &payload);

    // Assert
    assert_eq!(cdm(&err), (39, 7, "Unable to decode message payload"));
    assert_eq!(get_type(&mut c, 3), "TEST");
    w.assert_answers();
}

#[test]
fn test_unknown_program_error_echoes_callers_header() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let call = Header::call(0x1234_5678, 1, 7);

    // Act
    let (h, p) = c.call_with(call, &[]);

    // Assert
    let err: RemoteError = oxvirt_xdr::from_bytes(&p).expect("remote_error");
    assert_eq!(
        cdm(&err),
        (39, 7, "Cannot find program 305419896 version 1")
    );
    assert_eq!(h, call.reply(MessageStatus::Error));
    assert_eq!(get_type(&mut c, 8), "TEST");
    w.assert_answers();
}

#[test]
fn test_wrong_version_error_echoes_callers_header() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let mut call = Header::call(REMOTE_PROGRAM, PROC_OPEN, 5);
    call.version = 2;

    // Act
    let (h, p) = c.call_with(call, &[]);

    // Assert
    let err: RemoteError = oxvirt_xdr::from_bytes(&p).expect("remote_error");
    assert_eq!(
        cdm(&err),
        (39, 7, "Cannot find program 536903814 version 2")
    );
    assert_eq!(h, call.reply(MessageStatus::Error));
    w.assert_answers();
}

#[test]
fn test_unknown_procedure_rpc_error_for_9999_and_minus_one() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);

    // Act
    let e9999 = c.call_err(9999, 2, &[]);
    let eneg = c.call_err(-1, 3, &[]);

    // Assert
    assert_eq!(cdm(&e9999), (39, 7, "unknown procedure: 9999"));
    assert_eq!(cdm(&eneg), (39, 7, "unknown procedure: -1"));
    assert_eq!(get_type(&mut c, 4), "TEST");
    w.assert_answers();
}

#[test]
fn test_unimplemented_procedure_after_open_no_support() {
    // Arrange: DOMAIN_OPEN_CONSOLE with well-formed args (dom, dev_name NULL, flags 0).
    let info = remote_proc(PROC_OPEN_CONSOLE).expect("201 is a libvirt procedure");
    let proc = RemoteProc::try_from(PROC_OPEN_CONSOLE).expect("typed");
    assert!(
        !oxvirt_rpc::is_served(proc),
        "oxvirtd implements {}: pick another unimplemented procedure",
        info.name
    );
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let mut args = xdr(&test_domain());
    args.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);

    // Act
    let err = c.call_err(PROC_OPEN_CONSOLE, 2, &args);

    // Assert
    assert_eq!(
        cdm(&err),
        (
            3,
            20,
            "this function is not supported by the connection driver: virDomainOpenConsole"
        )
    );
    assert_eq!(get_type(&mut c, 3), "TEST");
    w.assert_answers();
}

#[test]
fn test_call_before_open_internal_error() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());

    // Act
    let before_auth = c.call_err(PROC_GET_HOSTNAME, 0, &[]);
    c.call_ok(RemoteProc::AuthList as i32, 1, &[]);
    let after_auth = c.call_err(PROC_GET_TYPE, 2, &[]);

    // Assert
    let want = (1, 7, "internal error: hypervisor connection not open");
    assert_eq!(cdm(&before_auth), want);
    assert_eq!(cdm(&after_auth), want);
    c.call_ok(PROC_OPEN, 3, &open_args(0));
    assert_eq!(get_type(&mut c, 4), "TEST");
    w.assert_answers();
}

#[test]
fn test_second_open_already_open_error() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);

    // Act
    let err = c.call_err(PROC_OPEN, 2, &open_args(0));

    // Assert
    assert_eq!(cdm(&err), (1, 7, "internal error: connection already open"));
    assert_eq!(get_type(&mut c, 3), "TEST");
    w.assert_answers();
}

#[test]
fn test_call_with_error_status_unexpected_status() {
    // Arrange
    let d = Daemon::start();
    let mut w = Witness::open(&d);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let mut call = Header::call(REMOTE_PROGRAM, PROC_GET_TYPE, 2);
    call.status = MessageStatus::Error as i32;

    // Act
    let (h, p) = c.call_with(call, &[]);

    // Assert
    let err: RemoteError = oxvirt_xdr::from_bytes(&p).expect("remote_error");
    assert_eq!(cdm(&err), (39, 7, "Unexpected message status 1"));
    assert_eq!(
        (h.msg_type, h.status, h.serial),
        (MessageType::Reply as i32, MessageStatus::Error as i32, 2)
    );
    assert_eq!(get_type(&mut c, 3), "TEST");
    w.assert_answers();
}

// ---------------------------------------------------------------------------
// Pipelining

#[test]
fn test_pipelined_50_calls_every_serial_answered_once() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    let first = 100u32;
    let mut burst = Vec::new();
    for serial in first..first + 50 {
        let (proc, payload) = if serial.is_multiple_of(2) {
            (PROC_GET_TYPE, Vec::new())
        } else {
            (PROC_LOOKUP_BY_NAME, lookup_args("test"))
        };
        burst.extend(packet(
            &Header::call(REMOTE_PROGRAM, proc, serial),
            &payload,
        ));
    }

    // Act
    c.send(&burst).expect("send burst");
    let mut seen = vec![0u32; 50];
    for _ in 0..50 {
        let p = c.next_non_keepalive();
        let (h, _) = split_packet(&p).expect("reply splits");
        assert_eq!(h.msg_type, MessageType::Reply as i32);
        assert_eq!(h.status, MessageStatus::Ok as i32, "serial {}", h.serial);
        let want_proc = if h.serial.is_multiple_of(2) {
            PROC_GET_TYPE
        } else {
            PROC_LOOKUP_BY_NAME
        };
        assert_eq!(h.procedure, want_proc, "serial {}", h.serial);
        let i = h
            .serial
            .checked_sub(first)
            .filter(|i| *i < 50)
            .unwrap_or_else(|| panic!("reply with unknown serial {}", h.serial));
        seen[i as usize] += 1;
    }

    // Assert
    assert!(seen.iter().all(|n| *n == 1), "answers per serial: {seen:?}");
    c.set_timeout(Duration::from_millis(200));
    assert_eq!(
        c.read_packet(),
        Read1::Timeout,
        "extra packet after 50 replies"
    );
}

// ---------------------------------------------------------------------------
// Keepalive

fn keepalive_packet(proc: i32) -> Vec<u8> {
    packet(
        &Header::new(
            KEEPALIVE_PROGRAM,
            1,
            proc,
            MessageType::Message,
            0,
            MessageStatus::Ok,
        ),
        &[],
    )
}

#[test]
fn test_keepalive_opted_in_silent_client_pinged_then_disconnected() {
    // Arrange: interval 1 s, count 2 → disconnect after about 3 s of silence.
    let d = Daemon::start_with(&["--keepalive-interval", "1", "--keepalive-count", "2"]);
    let mut c = RawConn::unix(&d.socket());
    let supported = c.call_ok(
        PROC_SUPPORTS_FEATURE,
        0,
        &xdr(&ConnectSupportsFeatureArgs { feature: 10 }),
    );
    assert_eq!(supported, [0, 0, 0, 1]);
    let silent_since = Instant::now();

    // Act
    let got = c.expect_closed(Duration::from_secs(8));
    let elapsed = silent_since.elapsed();

    // Assert
    let ping = keepalive_packet(1);
    assert!(
        !got.is_empty() && got.iter().all(|p| *p == ping),
        "expected only PINGs, got {got:02x?}"
    );
    assert_eq!(got.len(), 2, "one PING per interval until count is reached");
    assert!(
        elapsed >= Duration::from_millis(2500) && elapsed <= Duration::from_millis(5500),
        "disconnected after {elapsed:?}, expected about 3 s"
    );
}

#[test]
fn test_keepalive_client_answering_pings_stays_connected() {
    // Arrange: interval 1 s, count 2 → a silent client would be gone after about 3 s.
    let d = Daemon::start_with(&["--keepalive-interval", "1", "--keepalive-count", "2"]);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    c.call_ok(
        PROC_SUPPORTS_FEATURE,
        2,
        &xdr(&ConnectSupportsFeatureArgs { feature: 10 }),
    );
    let (ping, pong) = (keepalive_packet(1), keepalive_packet(2));

    // Act: answer every PING for 4.5 s.
    let until = Instant::now() + Duration::from_millis(4500);
    let mut pings = 0;
    c.set_timeout(Duration::from_millis(250));
    while Instant::now() < until {
        match c.read_packet() {
            Read1::Packet(p) if p == ping => {
                pings += 1;
                c.send(&pong).expect("send PONG");
            }
            Read1::Timeout => {}
            other => panic!("unexpected {other:02x?} after {pings} PINGs"),
        }
    }

    // Assert
    assert!(
        pings >= 3,
        "only {pings} PINGs in 4.5 s with a 1 s interval"
    );
    c.set_timeout(Duration::from_secs(5));
    assert_eq!(get_type(&mut c, 3), "TEST");
}

#[test]
fn test_keepalive_not_opted_in_no_ping() {
    // Arrange
    let d = Daemon::start_with(&["--keepalive-interval", "1", "--keepalive-count", "2"]);
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);

    // Act
    c.set_timeout(Duration::from_millis(2500));
    let got = c.read_packet();

    // Assert
    assert_eq!(got, Read1::Timeout);
}

#[test]
fn test_keepalive_client_ping_gets_pong() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);

    // Act
    c.send(&keepalive_packet(1)).expect("send PING");
    let got = c.read_packet();

    // Assert
    assert_eq!(got, Read1::Packet(keepalive_packet(2)));
    assert_eq!(get_type(&mut c, 2), "TEST");
}

// ---------------------------------------------------------------------------
// Events

#[test]
fn test_event_define_on_other_connection_lifecycle_message_delivered() {
    // Arrange
    let d = Daemon::start();
    let mut listener = RawConn::unix(&d.socket());
    listener.open_test(0);
    let reg = listener.call_ok(
        PROC_EVENT_REGISTER,
        2,
        &xdr(&ConnectDomainEventCallbackRegisterAnyArgs {
            event_id: 0,
            dom: None,
        }),
    );
    let reg: ConnectDomainEventCallbackRegisterAnyRet =
        oxvirt_xdr::from_bytes(&reg).expect("register ret");
    assert_eq!(reg.callback_id, 0);
    let mut definer = RawConn::unix(&d.socket());
    definer.open_test(0);
    let xml = "<domain type='test'><name>ev1</name><memory>1024</memory>\
               <os><type>hvm</type></os></domain>";

    // Act
    let defined = definer.call_ok(
        PROC_DEFINE_XML,
        2,
        &xdr(&DomainDefineXmlArgs { xml: xml.into() }),
    );
    let event = listener.next_non_keepalive();

    // Assert
    let dom = oxvirt_xdr::from_bytes::<DomainDefineXmlRet>(&defined)
        .expect("define ret")
        .dom;
    assert_eq!((dom.name.as_str(), dom.id), ("ev1", -1));
    let want = packet(
        &Header::message(REMOTE_PROGRAM, PROC_EVENT_LIFECYCLE, 1),
        &xdr(&DomainEventCallbackLifecycleMsg {
            callback_id: 0,
            msg: DomainEventLifecycleMsg {
                dom,
                event: 0,
                detail: 0,
            },
        }),
    );
    assert_eq!(event, want);
}

#[test]
fn test_event_deregister_unknown_id_internal_error() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);

    // Act
    let err = c.call_err(
        PROC_EVENT_DEREGISTER,
        2,
        &xdr(&ConnectDomainEventCallbackDeregisterAnyArgs { callback_id: 7 }),
    );

    // Assert: remote_daemon_dispatch.c reports VIR_ERR_INTERNAL_ERROR from VIR_FROM_RPC,
    // "domain event callback %d not registered".
    assert_eq!(
        cdm(&err),
        (
            1,
            7,
            "internal error: domain event callback 7 not registered"
        )
    );
    assert_eq!(get_type(&mut c, 3), "TEST");
}

fn register_lifecycle(c: &mut RawConn, serial: u32, dom: Option<NonnullDomain>) -> i32 {
    let ret = c.call_ok(
        PROC_EVENT_REGISTER,
        serial,
        &xdr(&ConnectDomainEventCallbackRegisterAnyArgs { event_id: 0, dom }),
    );
    oxvirt_xdr::from_bytes::<ConnectDomainEventCallbackRegisterAnyRet>(&ret)
        .expect("register ret")
        .callback_id
}

/// Defines `name` from a fresh second connection.
fn define_elsewhere(d: &Daemon, name: &str) {
    let mut definer = RawConn::unix(&d.socket());
    definer.open_test(0);
    let xml = format!(
        "<domain type='test'><name>{name}</name><memory>1024</memory>\
         <os><type>hvm</type></os></domain>"
    );
    definer.call_ok(PROC_DEFINE_XML, 2, &xdr(&DomainDefineXmlArgs { xml }));
}

/// The callback ids of the lifecycle MESSAGEs that arrive until `quiet` passes without
/// one.
fn lifecycle_callback_ids(c: &mut RawConn, quiet: Duration) -> Vec<i32> {
    let mut ids = Vec::new();
    c.set_timeout(Duration::from_secs(5));
    loop {
        match c.read_packet() {
            Read1::Packet(p) if common::raw::is_keepalive(&p) => continue,
            Read1::Packet(p) => {
                let (h, payload) = split_packet(&p).expect("event splits");
                assert_eq!(
                    (h.procedure, h.msg_type),
                    (PROC_EVENT_LIFECYCLE, MessageType::Message as i32)
                );
                let msg: DomainEventCallbackLifecycleMsg =
                    oxvirt_xdr::from_bytes(payload).expect("lifecycle msg");
                ids.push(msg.callback_id);
                c.set_timeout(quiet);
            }
            Read1::Timeout => return ids,
            Read1::Closed => panic!("connection closed"),
        }
    }
}

#[test]
fn test_event_deregistered_callback_not_delivered() {
    // Arrange: two catch-all callbacks; the first is dropped again.
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    assert_eq!(register_lifecycle(&mut c, 2, None), 0);
    assert_eq!(register_lifecycle(&mut c, 3, None), 1);
    c.call_ok(
        PROC_EVENT_DEREGISTER,
        4,
        &xdr(&ConnectDomainEventCallbackDeregisterAnyArgs { callback_id: 0 }),
    );

    // Act
    define_elsewhere(&d, "ev2");
    let ids = lifecycle_callback_ids(&mut c, Duration::from_millis(300));

    // Assert
    assert_eq!(ids, [1]);
}

#[test]
fn test_event_callback_for_other_domain_not_delivered() {
    // Arrange: one callback filtered to domain `test`, one for all domains.
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.socket());
    c.open_test(0);
    assert_eq!(register_lifecycle(&mut c, 2, Some(test_domain())), 0);
    assert_eq!(register_lifecycle(&mut c, 3, None), 1);

    // Act
    define_elsewhere(&d, "ev3");
    let ids = lifecycle_callback_ids(&mut c, Duration::from_millis(300));

    // Assert
    assert_eq!(ids, [1]);
}

#[test]
fn test_ro_socket_event_register_allowed_and_delivered() {
    // Arrange
    let d = Daemon::start();
    let mut c = RawConn::unix(&d.ro_socket());
    c.open_test(0);

    // Act
    let id = register_lifecycle(&mut c, 2, None);
    define_elsewhere(&d, "ev4");
    let ids = lifecycle_callback_ids(&mut c, Duration::from_millis(300));

    // Assert
    assert_eq!((id, ids), (0, vec![0]));
}
