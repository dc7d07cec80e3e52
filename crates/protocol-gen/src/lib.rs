//! Generator of `oxvirt-protocol`'s wire types (`crates/protocol/src/generated/`) from
//! libvirt's XDR protocol descriptions. It owns the `.x` language (lexer and parser), the
//! mapping of XDR types and names to Rust, and the text of the generated files; the files
//! themselves are committed, libvirt's `.x` files are only read when generating.
//!
//! How a `.x` file flows through it:
//!
//! 1. **lex** ([`lexer`]): text → tokens; comments and `%` passthrough lines are dropped.
//! 2. **parse** ([`parser`]): tokens → a [`parser::Spec`], the file's definitions in order.
//! 3. **resolve** ([`resolve`]): the specs of all [`PROGRAMS`] together → one
//!    [`resolve::Module`] per program: names looked up across programs (`qemu` and `lxc` use
//!    `remote`'s types), constants evaluated, XDR types mapped to Rust types with their
//!    `#[xdr(...)]` attributes, and the procedure table derived from the `<prefix>procedure`
//!    enum by libvirt's `<name>_args` / `<name>_ret` / `<name>_msg` naming convention.
//! 4. **emit** ([`emit`]): modules → Rust source, already in rustfmt's layout.
//!
//! [`generate`] runs all four on a libvirt source tree; the `gen-protocol` binary writes
//! the result, and a test checks that the committed files equal it.

use std::path::{Path, PathBuf};

pub mod emit;
pub mod lexer;
pub mod names;
pub mod parser;
pub mod resolve;

/// Everything that can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A `.x` file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not valid XDR language.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// File label.
        file: String,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// A type name that no visible file defines.
    #[error("unknown type `{0}`")]
    UnknownType(String),
    /// A constant name that no visible file defines and that is not a known libvirt symbol.
    #[error("unknown constant `{0}`")]
    UnknownConst(String),
    /// A program's `uses` names a program that is not being generated.
    #[error("unknown program `{0}`")]
    UnknownProgram(String),
    /// The same name defined twice.
    #[error("`{0}` is defined twice")]
    Duplicate(String),
    /// Valid XDR that the generator (or `#[derive(Xdr)]`) cannot express.
    #[error("`{item}`: {what} is not supported")]
    Unsupported {
        /// The definition concerned.
        item: String,
        /// What it uses.
        what: String,
    },
}

/// One RPC program: where its `.x` file is and how its names are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// Module (and output file) name: `remote`.
    pub module: &'static str,
    /// Prefix of its type names (`remote_`); upper-cased, of its constants.
    pub prefix: &'static str,
    /// The `.x` file, relative to libvirt's source tree.
    pub path: &'static str,
    /// Programs whose definitions this one refers to (its `%#include`s).
    pub uses: &'static [&'static str],
}

/// The programs generated, in output order.
pub const PROGRAMS: [Program; 4] = [
    Program {
        module: "remote",
        prefix: "remote_",
        path: "src/remote/remote_protocol.x",
        uses: &[],
    },
    Program {
        module: "qemu",
        prefix: "qemu_",
        path: "src/remote/qemu_protocol.x",
        uses: &["remote"],
    },
    Program {
        module: "lxc",
        prefix: "lxc_",
        path: "src/remote/lxc_protocol.x",
        uses: &["remote"],
    },
    Program {
        module: "admin",
        prefix: "admin_",
        path: "src/admin/admin_protocol.x",
        uses: &[],
    },
];

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name inside `crates/protocol/src/generated/` (`remote.rs`).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Generates every file from the `.x` files of the libvirt source tree at `libvirt_src`.
pub fn generate(libvirt_src: &Path) -> Result<Vec<GeneratedFile>, GenError> {
    let texts = PROGRAMS
        .iter()
        .map(|p| {
            let path = libvirt_src.join(p.path);
            std::fs::read_to_string(&path)
                .map(|t| (p, t))
                .map_err(|source| GenError::Io { path, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let inputs: Vec<(&Program, &str)> = texts.iter().map(|(p, t)| (*p, t.as_str())).collect();
    generate_from_texts(&inputs)
}

/// Generates every file from `.x` texts already in memory: `mod.rs`, then one file per
/// program in the given order.
pub fn generate_from_texts(inputs: &[(&Program, &str)]) -> Result<Vec<GeneratedFile>, GenError> {
    let specs = inputs
        .iter()
        .map(|(p, text)| parser::parse(p.path, text).map(|s| (*p, s)))
        .collect::<Result<Vec<_>, _>>()?;
    let modules = resolve::resolve(&specs)?;
    let mut files = vec![GeneratedFile {
        name: "mod.rs".into(),
        text: emit::emit_mod(&modules),
    }];
    files.extend(modules.iter().map(|m| GeneratedFile {
        name: format!("{}.rs", m.name),
        text: emit::emit_module(m),
    }));
    Ok(files)
}
