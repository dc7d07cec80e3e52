//! Every procedure of every program, as libvirt 9.0 numbers them: name, the public C
//! API whose name appears in libvirt's error messages, ACL annotation, and whether a
//! read-only connection may call it.
//!
//! The tables live in `procedures_table.rs`, generated from `tests/data/procedures.tsv` (a
//! copy of `shared/spec/rpc/procedures.tsv`) and libvirt's source (error domains) by
//! `cargo run -p oxvirt-protocol --bin gen-procedures`.
//! Lookups index the table directly (procedure numbers are contiguous from 1).

use oxvirt_error::ErrorDomain;

use crate::{ADMIN_PROGRAM, KEEPALIVE_PROGRAM, LXC_PROGRAM, QEMU_PROGRAM, REMOTE_PROGRAM};

#[path = "procedures_table.rs"]
mod table;

/// Direction of the stream a procedure opens, as annotated in the `.x` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamDir {
    /// `readstream`: the client reads, the server sends data.
    Read,
    /// `writestream`: the client writes, the server receives data.
    Write,
}

/// One procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProcInfo {
    /// Number within its program.
    pub number: i32,
    /// Protocol name, e.g. `REMOTE_PROC_DOMAIN_DESTROY`.
    pub name: &'static str,
    /// Public C API named in error messages (`virDomainDestroy`); the protocol name
    /// for procedures without one (auth, events, keepalive).
    pub api: &'static str,
    /// ACL annotation (`domain:stop`, comma separated; `none` or empty when absent).
    pub acl: &'static str,
    /// Allowed on a read-only connection.
    pub ro_ok: bool,
    /// Stream opened by the call, if any.
    pub stream: Option<StreamDir>,
    /// Dispatched at high priority (may run while the normal workers are busy).
    pub high_priority: bool,
    /// The error domain of a refusal or "not supported" for this call: that of the
    /// libvirt source file defining the public function (`VIR_FROM_RPC` without one).
    pub error_domain: ErrorDomain,
}

fn lookup(table: &'static [ProcInfo], n: i32) -> Option<&'static ProcInfo> {
    let idx = usize::try_from(n).ok()?.checked_sub(1)?;
    table.get(idx)
}

/// A `REMOTE` procedure by number.
pub fn remote_proc(n: i32) -> Option<&'static ProcInfo> {
    lookup(&table::REMOTE_PROCS, n)
}

/// A `QEMU` procedure by number.
pub fn qemu_proc(n: i32) -> Option<&'static ProcInfo> {
    lookup(&table::QEMU_PROCS, n)
}

/// An `LXC` procedure by number.
pub fn lxc_proc(n: i32) -> Option<&'static ProcInfo> {
    lookup(&table::LXC_PROCS, n)
}

/// An `ADMIN` procedure by number.
pub fn admin_proc(n: i32) -> Option<&'static ProcInfo> {
    lookup(&table::ADMIN_PROCS, n)
}

/// A `KEEPALIVE` procedure by number.
pub fn keepalive_proc(n: i32) -> Option<&'static ProcInfo> {
    lookup(&table::KEEPALIVE_PROCS, n)
}

/// A procedure of any program (version not checked).
pub fn lookup_proc(program: u32, n: i32) -> Option<&'static ProcInfo> {
    match program {
        REMOTE_PROGRAM => remote_proc(n),
        QEMU_PROGRAM => qemu_proc(n),
        LXC_PROGRAM => lxc_proc(n),
        ADMIN_PROGRAM => admin_proc(n),
        KEEPALIVE_PROGRAM => keepalive_proc(n),
        _ => None,
    }
}

/// All `REMOTE` procedures, in number order.
pub fn remote_procs() -> &'static [ProcInfo] {
    &table::REMOTE_PROCS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_remote_proc_api_names_match_error_texts() {
        let names = [12, 14, 24, 110, 174].map(|n| remote_proc(n).unwrap().api);
        assert_eq!(
            names,
            [
                "virDomainDestroy",
                "virDomainGetXMLDesc",
                "virDomainLookupByUUID",
                "virConnectGetURI",
                "virDomainUpdateDeviceFlags"
            ]
        );
    }

    #[test]
    fn test_remote_proc_out_of_range_is_none() {
        assert_eq!(
            [0, -1, 444, i32::MIN].map(|n| remote_proc(n).is_none()),
            [true; 4]
        );
    }

    #[test]
    fn test_remote_proc_numbers_are_indices() {
        assert!(
            remote_procs()
                .iter()
                .enumerate()
                .all(|(i, p)| p.number as usize == i + 1)
        );
    }

    #[test]
    fn test_destroy_not_ro_ok() {
        assert!(!remote_proc(12).unwrap().ro_ok);
    }

    #[test]
    fn test_events_have_no_api_name() {
        assert_eq!(
            remote_proc(318).unwrap().api,
            "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE"
        );
    }

    #[test]
    fn test_callback_register_names_public_api() {
        assert_eq!(
            remote_proc(316).unwrap().api,
            "virConnectDomainEventRegisterAny"
        );
    }

    #[test]
    fn test_keepalive_ro_ok() {
        assert!(keepalive_proc(1).unwrap().ro_ok);
    }

    #[test]
    fn test_stream_direction_from_table() {
        assert_eq!(remote_proc(208).unwrap().stream, Some(StreamDir::Write));
    }
}
