//! `change-net-vectors DIR`: runs every change-net vector in DIR through the planner and
//! prints `PASS id` / `FAIL id: …` per vector, then `N passed, N failed`. Exit status 0 only
//! when every vector passes. `-v` also prints each plan as JSON.

use oxvirt_netplan::vectors::{Vector, vector_files};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut verbose = false;
    let mut dir = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-v" | "--verbose" => verbose = true,
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: change-net-vectors [-v] DIR");
        return ExitCode::from(2);
    };
    let files = match vector_files(&dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in files {
        let result = Vector::load(&file).and_then(|v| v.run().map(|r| (v, r)));
        match result {
            Ok((v, (plan, diffs))) => {
                if diffs.is_empty() {
                    passed += 1;
                    println!("PASS {}", v.name);
                } else {
                    failed += 1;
                    println!("FAIL {}: {}", v.name, diffs.join("; "));
                }
                if verbose {
                    println!("{}", plan.to_json());
                }
            }
            Err(e) => {
                failed += 1;
                let name = file.file_stem().map(|s| s.to_string_lossy().into_owned());
                println!("FAIL {}: {e}", name.unwrap_or_default());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
