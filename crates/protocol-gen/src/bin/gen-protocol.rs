//! `gen-protocol LIBVIRT_SRC [OUT_DIR]`: regenerates `crates/protocol/src/generated/` (or
//! `OUT_DIR`) from the `.x` files of the libvirt source tree at `LIBVIRT_SRC`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(src) = args.next() else {
        eprintln!("usage: gen-protocol LIBVIRT_SRC [OUT_DIR]");
        return ExitCode::from(2);
    };
    let out = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../protocol/src/generated"),
        PathBuf::from,
    );
    let files = match oxvirt_protocol_gen::generate(&PathBuf::from(src)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("gen-protocol: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("gen-protocol: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for f in &files {
        let path = out.join(&f.name);
        if let Err(e) = std::fs::write(&path, &f.text) {
            eprintln!("gen-protocol: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!(
            "wrote {} ({} lines)",
            path.display(),
            f.text.lines().count()
        );
    }
    ExitCode::SUCCESS
}
