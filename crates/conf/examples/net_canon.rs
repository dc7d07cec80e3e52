//! Reads a network XML file, prints libvirt's formatting of it (`to_xml`), or
//! `error: …` on stderr with exit status 1. Used to run libvirt's network XML corpus
//! through `xml_corpus.py` before the `oxvirt-xml` tool existed.
//!
//! usage: net_canon [--inactive | --mode inactive|active] FILE

use oxvirt_conf::RandomGenerator;
use oxvirt_conf::network::{NetworkDef, NetworkFormatFlags};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut flags = NetworkFormatFlags::NONE;
    let mut path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--inactive" => flags = NetworkFormatFlags::INACTIVE,
            "--mode" => {
                if args.next().as_deref() == Some("inactive") {
                    flags = NetworkFormatFlags::INACTIVE;
                }
            }
            _ => path = Some(arg),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: net_canon [--inactive | --mode inactive|active] FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match NetworkDef::parse_str(&text, &mut RandomGenerator) {
        Ok(def) => {
            print!("{}", def.to_xml(flags));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
