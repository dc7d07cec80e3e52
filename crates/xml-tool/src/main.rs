//! `oxvirt-xml`: runs oxvirt's domain and network parsers and formatters over a file, the
//! command the XML conformance harness (`xml_corpus.py`) calls.
//!
//! Flow: read the file (or stdin for `-`) → `parse_str` with the context the mode asks for
//! (`inactive`: libvirt's `PARSE_INACTIVE` + format `INACTIVE`; `active`: live parse and
//! format; `--defaults qemu` adds the QEMU driver's post-parse defaults for the recorded
//! QEMU 8.0.0 x86_64 capabilities) → print the formatted XML, or `error: <message>` on stderr with exit status 1.
//!
//! ```text
//! oxvirt-xml canon --kind domain|network --mode inactive|active [--defaults plain|qemu] FILE
//! oxvirt-xml validate [--kind domain|network] FILE
//! oxvirt-xml repeat --count N [canon options] FILE
//! ```
//!
//! `repeat` runs the canonicaliser N times without printing: a fixed amount of work for
//! `perf stat -e instructions` or `valgrind --tool=callgrind`, which count reliably where
//! timings on a shared machine do not.

use oxvirt_conf::domain::DomainDef;
use oxvirt_conf::domain::qemu::Defaults;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use oxvirt_conf::{ConfError, FormatFlags, ParseCtx, SequenceGenerator};
use std::io::Read as _;
use std::process::ExitCode;

const USAGE: &str = "usage: oxvirt-xml canon --kind domain|network --mode inactive|active [--defaults plain|qemu] FILE\n       oxvirt-xml validate [--kind domain|network] FILE\n       oxvirt-xml repeat --count N [canon options] FILE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Domain,
    Network,
}

#[derive(Debug)]
struct Args {
    command: String,
    kind: Option<Kind>,
    active: bool,
    defaults: Defaults,
    count: u32,
    file: String,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let command = it.next().ok_or(USAGE)?;
    if command != "canon" && command != "validate" && command != "repeat" {
        return Err(format!("unknown command '{command}'\n{USAGE}"));
    }
    let mut kind = None;
    let mut active = false;
    let mut defaults = Defaults::Plain;
    let mut file = None;
    let mut count = 1u32;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => {
                count = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("invalid --count")?;
            }
            "--kind" => {
                kind = Some(match it.next().as_deref() {
                    Some("domain") => Kind::Domain,
                    Some("network") => Kind::Network,
                    other => return Err(format!("invalid --kind {other:?}")),
                })
            }
            "--mode" => {
                active = match it.next().as_deref() {
                    Some("inactive") => false,
                    Some("active") | Some("live") => true,
                    other => return Err(format!("invalid --mode {other:?}")),
                }
            }
            "--defaults" => {
                defaults = match it.next().as_deref() {
                    Some("plain") => Defaults::Plain,
                    Some("qemu") => Defaults::Qemu,
                    other => return Err(format!("invalid --defaults {other:?}")),
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ if file.is_none() => file = Some(a),
            _ => return Err(format!("unexpected argument '{a}'\n{USAGE}")),
        }
    }
    Ok(Args {
        command,
        kind,
        active,
        defaults,
        count,
        file: file.ok_or(USAGE)?,
    })
}

fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read '{path}': {e}"))
}

/// The kind named by the root element, for `validate` without `--kind`.
fn sniff_kind(text: &str) -> Kind {
    let body = text
        .split("<")
        .find(|s| !s.starts_with('?') && !s.starts_with('!') && !s.trim().is_empty())
        .unwrap_or("");
    if body.starts_with("network") {
        Kind::Network
    } else {
        Kind::Domain
    }
}

fn canon(kind: Kind, active: bool, defaults: Defaults, text: &str) -> Result<String, ConfError> {
    // Deterministic: outputs must not depend on the run (inputs without a UUID get one).
    let mut generator = SequenceGenerator::starting_at(0);
    match kind {
        Kind::Domain => {
            let mut ctx = if active {
                ParseCtx::live(&mut generator)
            } else {
                ParseCtx::inactive(&mut generator)
            };
            let flags = if active {
                FormatFlags::SECURE
            } else {
                FormatFlags::SECURE | FormatFlags::INACTIVE
            };
            let def = DomainDef::parse_str_with(text, &mut ctx, defaults)?;
            Ok(def.to_xml(flags, def.id))
        }
        Kind::Network => {
            let def = NetworkDef::parse_str(text, &mut generator)?;
            // `inactive` drops live usage data (connection counts), as libvirt's
            // VIR_NETWORK_XML_INACTIVE does.
            let nflags = if active {
                NetworkFormatFlags::NONE
            } else {
                NetworkFormatFlags::INACTIVE
            };
            Ok(def.to_xml(nflags))
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let text = match read_input(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let kind = args.kind.unwrap_or_else(|| sniff_kind(&text));
    if args.command == "repeat" {
        let mut bytes = 0;
        for _ in 0..args.count {
            match canon(kind, args.active, args.defaults, &text) {
                Ok(out) => bytes += out.len(),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        println!("{} runs, {bytes} bytes", args.count);
        return ExitCode::SUCCESS;
    }
    match canon(kind, args.active, args.defaults, &text) {
        Ok(out) => {
            if args.command == "canon" {
                print!("{out}");
            } else {
                println!("{}: valid", args.file);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
