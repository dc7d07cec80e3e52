//! Golden vectors: every captured REMOTE packet we have a type for decodes and re-encodes
//! to the identical bytes; every captured error reply equals what `RemoteError`
//! produces from the equivalent `VirError`.
//!
//! The captures are a copy of `shared/spec/rpc/captures` in `tests/data/captures`.

use oxvirt_error::{ErrorDomain, ErrorNumber, VirError};
use oxvirt_protocol::testing::reencode_payload;
use oxvirt_protocol::{MessageStatus, RemoteError, encode_packet, split_packet};

/// `(file, direction, packet bytes)` of every captured packet.
fn packets() -> Vec<(String, String, Vec<u8>)> {
    oxvirt_testutil::captured_packets()
        .into_iter()
        .map(|p| (p.file, p.direction, p.bytes))
        .collect()
}

#[test]
fn test_captured_payloads_reencode_identically() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, direction, pkt) in packets() {
        // The raw_garbage scenario sends deliberately malformed packets; skip frames
        // that do not even split.
        let Ok((header, payload)) = split_packet(&pkt) else {
            continue;
        };
        match reencode_payload(&header, payload) {
            None => {}
            Some(Ok(bytes)) if bytes == payload => checked += 1,
            Some(result) => failures.push(format!(
                "{file} {direction} proc {} serial {}: {result:?}",
                header.procedure, header.serial
            )),
        }
    }
    println!("checked {checked} captured payloads");
    // Malformed-on-purpose calls (raw_garbage) are expected to fail decoding.
    failures.retain(|f| !f.starts_with("raw_garbage"));
    assert_eq!(failures, Vec::<String>::new());
    assert!(checked > 300, "only {checked} payloads checked");
}

#[test]
fn test_captured_error_replies_match_remote_error_encoding() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, _, pkt) in packets() {
        let Ok((header, payload)) = split_packet(&pkt) else {
            continue;
        };
        if header.status_kind() != Some(MessageStatus::Error) {
            continue;
        }
        let err: RemoteError = oxvirt_xdr::from_bytes(payload).unwrap();
        let vir = VirError {
            code: ErrorNumber::from_code(err.code).unwrap(),
            domain: ErrorDomain::from_code(err.domain).unwrap(),
            message: err.message.clone().unwrap(),
            str1: err.str1.clone(),
            str2: err.str2.clone(),
        };
        let ours = encode_packet(&header, &RemoteError::from(&vir)).unwrap();
        if ours == pkt {
            checked += 1;
        } else {
            failures.push(format!("{file} proc {}", header.procedure));
        }
    }
    println!("checked {checked} captured error replies");
    assert_eq!(failures, Vec::<String>::new());
    assert!(checked >= 10, "only {checked} error replies checked");
}

#[test]
fn test_readonly_violation_error_bytes_from_vir_error() {
    let captured = packets()
        .into_iter()
        .filter(|(file, _, _)| file.starts_with("raw_readonly_violation/"))
        .map(|(_, _, p)| p)
        .find(|p| split_packet(p).is_ok_and(|(h, _)| h.status == 1))
        .unwrap();
    let (header, _) = split_packet(&captured).unwrap();
    let ours = encode_packet(
        &header,
        &RemoteError::from(&VirError::read_only("virDomainDestroy")),
    )
    .unwrap();
    assert_eq!(ours, captured);
}

#[test]
fn test_unknown_proc_error_bytes_from_vir_error() {
    let captured = packets()
        .into_iter()
        .filter(|(file, _, _)| file.starts_with("raw_unknown_proc/"))
        .map(|(_, _, p)| p)
        .find(|p| split_packet(p).is_ok_and(|(h, _)| h.status == 1 && h.procedure == 9999))
        .unwrap();
    let (header, _) = split_packet(&captured).unwrap();
    let vir = VirError::raw(
        ErrorNumber::Rpc,
        ErrorDomain::Rpc,
        "unknown procedure: 9999",
    );
    let ours = encode_packet(&header, &RemoteError::from(&vir)).unwrap();
    assert_eq!(ours, captured);
}
