//! Regenerates `crates/protocol/src/procedures_table.rs` from libvirt's procedure list.
//!
//! Usage: `cargo run -p oxvirt-protocol --bin gen-procedures -- PATH/procedures.tsv [OUT]`
//! (OUT defaults to the committed file in this crate).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(tsv_path) = args.next() else {
        eprintln!("usage: gen-procedures PROCEDURES.TSV [OUT.rs]");
        return ExitCode::from(2);
    };
    let out = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/procedures_table.rs")
    });
    let result = std::fs::read_to_string(&tsv_path)
        .map_err(|e| format!("reading {}: {e}", PathBuf::from(&tsv_path).display()))
        .and_then(|tsv| oxvirt_protocol::generator::generate(&tsv))
        .and_then(|code| {
            std::fs::write(&out, code).map_err(|e| format!("writing {}: {e}", out.display()))
        });
    match result {
        Ok(()) => {
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-procedures: {e}");
            ExitCode::FAILURE
        }
    }
}
