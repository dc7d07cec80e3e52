//! Generator of `procedures_table.rs` from `procedures.tsv` (columns: program,
//! program_number, procedure_number, procedure_name, acl, priority, stream, ro_ok_guess).
//!
//! Run by `src/bin/gen-procedures.rs`; a test regenerates in memory and compares with the
//! committed file. The public API name is derived from the procedure name the way
//! libvirt names its functions: `vir` + CamelCase, with libvirt's acronyms (`XML`,
//! `UUID`, `URI`, `ID`, `OS`, `CPU`, …) and a few renamed procedures.

use std::fmt::Write as _;

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

fn emit_table(out: &mut String, ident: &str, rows: &[&Row<'_>]) -> Result<(), String> {
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
        let _ = write!(
            out,
            "    ProcInfo {{\n        number: {},\n        name: \"{}\",\n        api: \"{}\",\n        acl: \"{}\",\n        ro_ok: {},\n        stream: {stream},\n        high_priority: {},\n    }},\n",
            r.number,
            escape(r.name),
            escape(&api_name(r.program, r.name)),
            escape(r.acl),
            r.ro_ok,
            r.high_priority,
        );
    }
    out.push_str("];\n");
    Ok(())
}

/// Produces the contents of `procedures_table.rs` from the TSV text.
pub fn generate(tsv: &str) -> Result<String, String> {
    let rows = parse(tsv)?;
    let mut out = String::from(
        "// @generated by `cargo run -p oxvirt-protocol --bin gen-procedures -- \
         crates/protocol/tests/data/procedures.tsv`.\n// Do not edit by hand.\n\n\
         use super::{ProcInfo, StreamDir};\n",
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
        emit_table(&mut out, ident, &selected)?;
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
        assert!(generate(tsv).is_err());
    }
}
