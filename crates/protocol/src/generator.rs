//! Generator of `procedures_table.rs` from `procedures.tsv` (columns: program,
//! program_number, procedure_number, procedure_name, acl, priority, stream, ro_ok_guess).
//!
//! Run by `src/bin/gen-procedures.rs`; a test regenerates in memory and compares with the
//! committed file.
//!
//! The error domain of each procedure comes from libvirt's source, read at generation time:
//! a refused or unsupported call is reported by the public API function, with the
//! `VIR_FROM_THIS` of the `libvirt-*.c` file that defines it ([`ApiDomains::scan`]).
//! Procedures without a public function (auth, events) report `VIR_FROM_RPC`. The public API name is derived from the procedure name the way
//! libvirt names its functions: `vir` + CamelCase, with libvirt's acronyms (`XML`,
//! `UUID`, `URI`, `ID`, `OS`, `CPU`, …) and a few renamed procedures.

use std::collections::HashMap;
use std::fmt::Write as _;

/// The files of libvirt's source tree that define the public API, relative to its root.
pub const API_SOURCES: &[&str] = &[
    "src/libvirt.c",
    "src/libvirt-domain.c",
    "src/libvirt-domain-checkpoint.c",
    "src/libvirt-domain-snapshot.c",
    "src/libvirt-host.c",
    "src/libvirt-interface.c",
    "src/libvirt-lxc.c",
    "src/libvirt-network.c",
    "src/libvirt-nodedev.c",
    "src/libvirt-nwfilter.c",
    "src/libvirt-qemu.c",
    "src/libvirt-secret.c",
    "src/libvirt-storage.c",
    "src/libvirt-stream.c",
    "src/admin/libvirt-admin.c",
];

/// Public API function → the `virErrorDomain` variant name its file reports with.
#[derive(Debug, Default)]
pub struct ApiDomains(HashMap<String, String>);

impl ApiDomains {
    /// Reads one `libvirt-*.c` file's text: its `#define VIR_FROM_THIS VIR_FROM_X` and every
    /// function defined at the start of a line (`virDomainDestroy(virDomainPtr domain)`).
    pub fn scan(&mut self, source: &str) -> Result<(), String> {
        let from = source
            .lines()
            .find_map(|l| l.strip_prefix("#define VIR_FROM_THIS VIR_FROM_"))
            .ok_or("no VIR_FROM_THIS")?
            .trim();
        // `VIR_FROM_DOMAIN_SNAPSHOT` is `ErrorDomain::DomainSnapshot`: plain capitalisation,
        // none of the API names' acronyms (`NWFILTER` is `Nwfilter` there).
        let domain: String = from
            .split('_')
            .map(|w| {
                let lower = w.to_ascii_lowercase();
                let mut c = lower.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        // A definition starts at column 0, the name alone or after its return type
        // (`int virDomainGetPerfEvents(`); comments and calls are indented or start with `*`.
        for line in source.lines() {
            if line.starts_with([' ', '\t', '*', '/', '#']) {
                continue;
            }
            let Some((head, _)) = line.split_once('(') else {
                continue;
            };
            let name = head.split_whitespace().last().unwrap_or("");
            let name = name.trim_start_matches('*');
            if name.starts_with("vir") && name.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.0.insert(name.to_owned(), domain.clone());
            }
        }
        Ok(())
    }

    fn domain_of(&self, api: &str) -> &str {
        self.0.get(api).map_or("Rpc", String::as_str)
    }
}

/// One row of the TSV.
struct Row<'a> {
    program: &'a str,
    number: i32,
    name: &'a str,
    acl: &'a str,
    high_priority: bool,
    stream: &'a str,
    ro_ok: bool,
}

/// Words spelled differently from plain capitalisation in libvirt's function names.
const WORDS: &[(&str, &str)] = &[
    ("XML", "XML"),
    ("UUID", "UUID"),
    ("URI", "URI"),
    ("ID", "ID"),
    ("OS", "OS"),
    ("MAC", "MAC"),
    ("CPU", "CPU"),
    ("NMI", "NMI"),
    ("PM", "PM"),
    ("DHCP", "DHCP"),
    ("SCSI", "SCSI"),
    ("WWN", "WWN"),
    ("SEV", "SEV"),
    ("SSH", "SSH"),
    ("FD", "FD"),
    ("NWFILTER", "NWFilter"),
    ("NWFILTERS", "NWFilters"),
    ("IOTHREAD", "IOThread"),
    ("FSTRIM", "FSTrim"),
    ("FSFREEZE", "FSFreeze"),
    ("FSTHAW", "FSThaw"),
    ("FSINFO", "FSInfo"),
    ("THREADPOOL", "ThreadPool"),
];

/// Procedures whose public function is not the mechanical name.
const RENAMED: &[(&str, &str)] = &[
    (
        "REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
        "virConnectDomainEventRegisterAny",
    ),
    (
        "REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY",
        "virConnectDomainEventDeregisterAny",
    ),
];

fn camel(words: &str) -> String {
    words
        .split('_')
        .map(|w| match WORDS.iter().find(|(k, _)| *k == w) {
            Some((_, v)) => (*v).to_owned(),
            None => {
                let lower = w.to_ascii_lowercase();
                let mut chars = lower.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        })
        .collect()
}

/// Whether a procedure is a server-sent event message (no public API behind it).
fn is_event_message(short: &str) -> bool {
    const OBJECTS: [&str; 5] = ["DOMAIN", "NETWORK", "STORAGE_POOL", "NODE_DEVICE", "SECRET"];
    OBJECTS
        .iter()
        .any(|o| short.starts_with(&format!("{o}_EVENT_")))
        || short == "CONNECT_EVENT_CONNECTION_CLOSED"
        || short == "DOMAIN_MONITOR_EVENT"
}

/// The public C function behind a procedure, or the procedure name if there is none.
pub fn api_name(program: &str, name: &str) -> String {
    if let Some((_, api)) = RENAMED.iter().find(|(n, _)| *n == name) {
        return (*api).to_owned();
    }
    let short = name.split_once("_PROC_").map_or(name, |(_, s)| s);
    match program {
        "remote" if short.starts_with("AUTH_") || is_event_message(short) => name.to_owned(),
        "remote" => format!("vir{}", camel(short)),
        "qemu" if is_event_message(short) => name.to_owned(),
        "qemu" => match short.strip_prefix("CONNECT_DOMAIN_") {
            Some(rest) => format!("virConnectDomainQemu{}", camel(rest)),
            None => format!(
                "virDomainQemu{}",
                camel(short.strip_prefix("DOMAIN_").unwrap_or(short))
            ),
        },
        "lxc" => format!(
            "virDomainLxc{}",
            camel(short.strip_prefix("DOMAIN_").unwrap_or(short))
        ),
        "admin" => format!("virAdm{}", camel(&short.replace("TLS", "Tls"))),
        _ => name.to_owned(),
    }
}

fn parse(tsv: &str) -> Result<Vec<Row<'_>>, String> {
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 8 {
                return Err(format!(
                    "line {}: expected 8 columns, got {}",
                    i + 2,
                    cols.len()
                ));
            }
            let number = cols[2]
                .parse()
                .map_err(|e| format!("line {}: bad procedure number: {e}", i + 2))?;
            Ok(Row {
                program: cols[0],
                number,
                name: cols[3],
                acl: cols[4],
                high_priority: cols[5] == "high",
                stream: cols[6],
                ro_ok: cols[7] == "yes" || cols[0] == "keepalive",
            })
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.escape_default().to_string()
}

fn emit_table(
    out: &mut String,
    ident: &str,
    rows: &[&Row<'_>],
    domains: &ApiDomains,
) -> Result<(), String> {
    for (i, r) in rows.iter().enumerate() {
        if usize::try_from(r.number).ok() != Some(i + 1) {
            return Err(format!(
                "{ident}: procedure {} is not number {}",
                r.name,
                i + 1
            ));
        }
    }
    let _ = writeln!(
        out,
        "\n#[rustfmt::skip]\npub(super) static {ident}: [ProcInfo; {}] = [",
        rows.len()
    );
    for r in rows {
        let stream = match r.stream {
            "stream-read" => "Some(StreamDir::Read)",
            "stream-write" => "Some(StreamDir::Write)",
            "" => "None",
            other => return Err(format!("{}: unknown stream column {other:?}", r.name)),
        };
        let api = api_name(r.program, r.name);
        let _ = write!(
            out,
            "    ProcInfo {{\n        number: {},\n        name: \"{}\",\n        api: \"{}\",\n        acl: \"{}\",\n        ro_ok: {},\n        stream: {stream},\n        high_priority: {},\n        error_domain: ErrorDomain::{},\n    }},\n",
            r.number,
            escape(r.name),
            escape(&api),
            escape(r.acl),
            r.ro_ok,
            r.high_priority,
            domains.domain_of(&api),
        );
    }
    out.push_str("];\n");
    Ok(())
}

/// Produces the contents of `procedures_table.rs` from the TSV text and the error domains
/// of libvirt's public functions.
pub fn generate(tsv: &str, domains: &ApiDomains) -> Result<String, String> {
    let rows = parse(tsv)?;
    let mut out = String::from(
        "// @generated by `cargo run -p oxvirt-protocol --bin gen-procedures -- \
         crates/protocol/tests/data/procedures.tsv LIBVIRT_SRC`.\n// Do not edit by hand.\n\n\
         use super::{ProcInfo, StreamDir};\nuse oxvirt_error::ErrorDomain;\n",
    );
    for (program, ident) in [
        ("remote", "REMOTE_PROCS"),
        ("qemu", "QEMU_PROCS"),
        ("lxc", "LXC_PROCS"),
        ("admin", "ADMIN_PROCS"),
        ("keepalive", "KEEPALIVE_PROCS"),
    ] {
        let mut selected: Vec<&Row<'_>> = rows.iter().filter(|r| r.program == program).collect();
        selected.sort_by_key(|r| r.number);
        if selected.is_empty() {
            return Err(format!("no procedures for program {program}"));
        }
        emit_table(&mut out, ident, &selected, domains)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_api_name_acronyms() {
        let got = [
            "REMOTE_PROC_DOMAIN_GET_XML_DESC",
            "REMOTE_PROC_DOMAIN_LOOKUP_BY_ID",
            "REMOTE_PROC_DOMAIN_GET_OS_TYPE",
            "REMOTE_PROC_NWFILTER_BINDING_CREATE_XML",
            "REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE",
            "REMOTE_PROC_DOMAIN_FSTRIM",
            "REMOTE_PROC_DOMAIN_PIN_IOTHREAD",
            "REMOTE_PROC_NETWORK_GET_DHCP_LEASES",
        ]
        .map(|n| api_name("remote", n));
        assert_eq!(
            got,
            [
                "virDomainGetXMLDesc",
                "virDomainLookupByID",
                "virDomainGetOSType",
                "virNWFilterBindingCreateXML",
                "virDomainSetBlockIoTune",
                "virDomainFSTrim",
                "virDomainPinIOThread",
                "virNetworkGetDHCPLeases",
            ]
        );
    }

    #[test]
    fn test_api_name_other_programs() {
        let got = [
            api_name("qemu", "QEMU_PROC_DOMAIN_MONITOR_COMMAND"),
            api_name("qemu", "QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER"),
            api_name("lxc", "LXC_PROC_DOMAIN_OPEN_NAMESPACE"),
            api_name("admin", "ADMIN_PROC_SERVER_GET_THREADPOOL_PARAMETERS"),
            api_name("admin", "ADMIN_PROC_SERVER_UPDATE_TLS_FILES"),
        ];
        assert_eq!(
            got,
            [
                "virDomainQemuMonitorCommand",
                "virConnectDomainQemuMonitorEventRegister",
                "virDomainLxcOpenNamespace",
                "virAdmServerGetThreadPoolParameters",
                "virAdmServerUpdateTlsFiles",
            ]
        );
    }

    #[test]
    fn test_api_name_auth_has_none() {
        assert_eq!(
            api_name("remote", "REMOTE_PROC_AUTH_LIST"),
            "REMOTE_PROC_AUTH_LIST"
        );
    }

    #[test]
    fn test_generate_rejects_gap() {
        let tsv = "h\nremote\tx\t2\tREMOTE_PROC_X\tnone\t\t\tyes\n";
        assert!(generate(tsv, &ApiDomains::default()).is_err());
    }

    #[test]
    fn test_api_domains_scan_definitions_with_and_without_return_type() {
        let src = "#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT\n\
                   /**\n * virDomainSnapshotNum:\n */\n\
                   int\nvirDomainSnapshotNum(virDomainPtr domain)\n{\n    virDomainFoo(x);\n}\n\
                   int virDomainSnapshotFoo(virDomainPtr domain,\n";
        let mut d = ApiDomains::default();

        d.scan(src).unwrap();

        assert_eq!(
            [
                d.domain_of("virDomainSnapshotNum"),
                d.domain_of("virDomainSnapshotFoo"),
                d.domain_of("virDomainFoo")
            ],
            ["DomainSnapshot", "DomainSnapshot", "Rpc"]
        );
    }
}
