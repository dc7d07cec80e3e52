//! Bodies of the fuzz targets, kept in a library so they also run as ordinary tests on
//! stable (`tests/replay.rs` feeds them the captured traffic).
//!
//! `packet_decode`: a packet goes through the same steps as in the daemon's reader —
//! length word check, header decode, procedure lookup, payload decode with the type the
//! header names — and whatever decodes must re-encode to bytes that decode to the same
//! value again.
//!
//! `xml_parse` (module [`xml`]): text through the domain and network parsers; whatever
//! parses formats to text that parses again.

mod xml;

pub use xml::xml_parse;

use oxvirt_protocol::remote::RemoteProc;
use oxvirt_protocol::{
    LEN_WORD, MessageStatus, RemoteError, check_length, procedures, split_packet,
};

/// Decodes one packet from the start of `data`; panics only on a real bug.
pub fn packet_decode(data: &[u8]) {
    let Some(word) = data.first_chunk::<LEN_WORD>() else {
        return;
    };
    let Ok(len) = check_length(*word) else {
        return;
    };
    let Some(packet) = data.get(..len as usize) else {
        return;
    };
    let (header, payload) = split_packet(packet).expect("length already checked");
    let _ = procedures::lookup_proc(header.program, header.procedure);
    let _ = (header.kind(), header.status_kind());

    if header.status_kind() == Some(MessageStatus::Error) {
        stable::<RemoteError>(payload);
    }
    if let Ok(proc) = RemoteProc::try_from(header.procedure) {
        check(proc.reencode_args(payload), |b| proc.reencode_args(b));
        check(proc.reencode_ret(payload), |b| proc.reencode_ret(b));
    }
}

/// If `first` decoded, its bytes must decode and re-encode to themselves.
fn check<E: std::fmt::Debug>(
    first: Result<Vec<u8>, E>,
    again: impl Fn(&[u8]) -> Result<Vec<u8>, E>,
) {
    if let Ok(bytes) = first {
        assert_eq!(again(&bytes).expect("re-encoded bytes decode"), bytes);
    }
}

fn stable<T: oxvirt_xdr::Encode + oxvirt_xdr::Decode + PartialEq + std::fmt::Debug>(
    payload: &[u8],
) {
    if let Ok(v) = oxvirt_xdr::from_bytes::<T>(payload) {
        let bytes = oxvirt_xdr::to_bytes(&v).expect("decoded value encodes");
        assert_eq!(oxvirt_xdr::from_bytes::<T>(&bytes).expect("round trip"), v);
    }
}
