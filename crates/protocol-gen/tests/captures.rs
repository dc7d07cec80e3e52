//! The generated types agree with the wire: every captured packet (the copies in
//! `crates/protocol/tests/data/captures`) decodes with the generated args/ret type of its
//! procedure and encodes back to the same bytes (the dispatcher's `RemoteProc` is built
//! from the same generated table).

use oxvirt_protocol::generated::{ProcKind, admin, lxc, qemu, remote};
use oxvirt_protocol::{Header, MessageStatus, MessageType, split_packet};
use oxvirt_xdr::XdrError;

/// `(scenario/file, packet bytes)` of every captured packet, in file order.
fn packets() -> Vec<(String, Vec<u8>)> {
    oxvirt_testutil::captured_packets()
        .into_iter()
        .map(|p| (p.file, p.bytes))
        .collect()
}

type Reencode = fn(i32, &[u8]) -> Option<Result<Vec<u8>, XdrError>>;

/// A program's generated helpers.
struct Prog {
    number: u32,
    version: u32,
    kind: fn(i32) -> Option<ProcKind>,
    args: Reencode,
    ret: Reencode,
}

const PROGS: [Prog; 4] = [
    Prog {
        number: remote::PROGRAM,
        version: remote::PROTOCOL_VERSION,
        kind: remote::proc_kind,
        args: remote::reencode_args,
        ret: remote::reencode_ret,
    },
    Prog {
        number: qemu::PROGRAM,
        version: qemu::PROTOCOL_VERSION,
        kind: qemu::proc_kind,
        args: qemu::reencode_args,
        ret: qemu::reencode_ret,
    },
    Prog {
        number: lxc::PROGRAM,
        version: lxc::PROTOCOL_VERSION,
        kind: lxc::proc_kind,
        args: lxc::reencode_args,
        ret: lxc::reencode_ret,
    },
    Prog {
        number: admin::PROGRAM,
        version: admin::PROTOCOL_VERSION,
        kind: admin::proc_kind,
        args: admin::reencode_args,
        ret: admin::reencode_ret,
    },
];

/// Re-encodes the payload of a successful call, reply or message with the generated type
/// its header names; `None` for packets without such a payload (errors, streams,
/// keepalive, unknown programs, versions or procedures).
fn reencode(header: &Header, payload: &[u8]) -> Option<Result<Vec<u8>, XdrError>> {
    let prog = PROGS
        .iter()
        .find(|p| p.number == header.program && p.version == header.version)?;
    let kind = (prog.kind)(header.procedure)?;
    match (header.kind()?, header.status_kind()?, kind) {
        (MessageType::Call | MessageType::CallWithFds, MessageStatus::Ok, ProcKind::Call)
        | (MessageType::Message, MessageStatus::Ok, ProcKind::Message) => {
            (prog.args)(header.procedure, payload)
        }
        (MessageType::Reply | MessageType::ReplyWithFds, MessageStatus::Ok, ProcKind::Call) => {
            (prog.ret)(header.procedure, payload)
        }
        _ => None,
    }
}

/// Checks every packet `select` accepts; returns how many were checked and the failures.
fn check(select: impl Fn(&Header) -> bool) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, pkt) in packets() {
        // raw_garbage sends malformed frames and payloads on purpose.
        if file.starts_with("raw_garbage") {
            continue;
        }
        let Ok((header, payload)) = split_packet(&pkt) else {
            continue;
        };
        if !select(&header) {
            continue;
        }
        match reencode(&header, payload) {
            None => {}
            Some(Ok(bytes)) if bytes == payload => checked += 1,
            Some(other) => failures.push(format!(
                "{file} program {:#x} proc {} type {} serial {}: {other:?}",
                header.program, header.procedure, header.msg_type, header.serial
            )),
        }
    }
    (checked, failures)
}

#[test]
fn test_all_program_captures_reencode_with_generated_types_identical() {
    let (checked, failures) = check(|_| true);
    let per_program: Vec<(&str, usize)> = [
        ("remote", remote::PROGRAM),
        ("qemu", qemu::PROGRAM),
        ("lxc", lxc::PROGRAM),
        ("admin", admin::PROGRAM),
    ]
    .into_iter()
    .map(|(name, n)| (name, check(|h| h.program == n).0))
    .collect();
    println!("checked {checked} captured payloads of all programs: {per_program:?}");
    assert_eq!(failures, Vec::<String>::new());
    assert!(checked > 300, "only {checked} payloads checked");
}

#[test]
fn test_generated_program_numbers_match_protocol_constants() {
    assert_eq!(remote::PROGRAM, oxvirt_protocol::REMOTE_PROGRAM);
    assert_eq!(qemu::PROGRAM, oxvirt_protocol::QEMU_PROGRAM);
    assert_eq!(lxc::PROGRAM, oxvirt_protocol::LXC_PROGRAM);
    assert_eq!(admin::PROGRAM, oxvirt_protocol::ADMIN_PROGRAM);
    assert_eq!(remote::PROTOCOL_VERSION, oxvirt_protocol::REMOTE_VERSION);
}

#[test]
fn test_generated_tables_numbered_contiguously_from_one() {
    for (name, table) in [
        ("remote", remote::PROCEDURES),
        ("qemu", qemu::PROCEDURES),
        ("lxc", lxc::PROCEDURES),
        ("admin", admin::PROCEDURES),
    ] {
        for (i, e) in table.iter().enumerate() {
            assert_eq!(
                usize::try_from(e.number).unwrap(),
                i + 1,
                "{name} {}",
                e.name
            );
        }
    }
    assert_eq!(remote::PROCEDURES.len(), 443);
}
