//! Step 3: the parsed files of all programs → one [`Module`] per program, every name looked
//! up and every XDR type turned into the Rust type and `#[xdr(...)]` attributes the emitter
//! writes. This is where the type mapping lives:
//!
//! | XDR | Rust |
//! |---|---|
//! | `int`, `unsigned int`, `hyper`, `unsigned hyper` | `i32`, `u32`, `i64`, `u64` |
//! | `char`, `unsigned char`, `short`, `unsigned short` | `i8`, `u8`, `i16`, `u16` (a word each) |
//! | `bool`, `float`, `double` | `bool`, `f32`, `f64` |
//! | `string x<M>` | `String`, `#[xdr(max = M)]` unless `M` is the codec's default |
//! | `opaque x[N]` / `opaque x<M>` | `[u8; N]` / `Vec<u8>` with `#[xdr(opaque)]` |
//! | `T x[N]` / `T x<M>` | `[T; N]` / `Vec<T>` with `#[xdr(max = M)]` |
//! | `T *x` | `Option<T>` (`Option<Box<T>>` when `T` contains the type being defined) |
//! | `typedef` | inlined where used, except fixed opaque typedefs (`remote_uuid`), which become a `pub type` alias |
//!
//! Names defined outside the `.x` files (`VIR_UUID_BUFLEN`, `VIR_TYPED_PARAM_*`, …, from
//! libvirt's public headers) come from [`EXTERNAL_CONSTS`].

use std::collections::{BTreeMap, HashSet};

use crate::names::{camel, common_word_prefix, field_ident, variant_name};
use crate::parser::{Decl, DeclKind, Definition, Spec, TypeSpec, Value};
use crate::{GenError, Program};

/// Constants the `.x` files use but do not define (libvirt's public C headers define them).
pub const EXTERNAL_CONSTS: &[(&str, i64)] = &[
    ("VIR_UUID_BUFLEN", 16),
    ("VIR_SECURITY_MODEL_BUFLEN", 256 + 1),
    ("VIR_SECURITY_LABEL_BUFLEN", 4096 + 1),
    ("VIR_SECURITY_DOI_BUFLEN", 256 + 1),
    ("VIR_TYPED_PARAM_INT", 1),
    ("VIR_TYPED_PARAM_UINT", 2),
    ("VIR_TYPED_PARAM_LLONG", 3),
    ("VIR_TYPED_PARAM_ULLONG", 4),
    ("VIR_TYPED_PARAM_DOUBLE", 5),
    ("VIR_TYPED_PARAM_BOOLEAN", 6),
    ("VIR_TYPED_PARAM_STRING", 7),
];

/// The bound a `String` gets without an attribute (`oxvirt_xdr::STRING_MAX`).
pub const DEFAULT_STRING_MAX: i64 = 4_194_304;

/// One program, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module name (`remote`).
    pub name: String,
    /// The `.x` file's name (`remote_protocol.x`), for the module doc.
    pub file: String,
    /// Items in file order.
    pub items: Vec<Item>,
    /// The procedure table, in number order.
    pub procedures: Vec<Procedure>,
}

/// One Rust item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `pub const NAME: u32 = value;`
    Const {
        /// XDR name.
        xdr: String,
        /// Rust name.
        name: String,
        /// Rust expression of the value.
        value: String,
        /// The symbol the value was defined by, if not a literal.
        via: Option<String>,
    },
    /// `pub type Name = [u8; N];` (fixed opaque typedef).
    Alias {
        /// XDR name.
        xdr: String,
        /// Rust name.
        name: String,
        /// Rust type.
        ty: String,
    },
    /// A fieldless `#[repr(i32)]` enum.
    Enum {
        /// XDR name.
        xdr: String,
        /// Rust name.
        name: String,
        /// `(XDR name, Rust name, value)` of each variant.
        variants: Vec<(String, String, i64)>,
    },
    /// A struct.
    Struct {
        /// XDR name.
        xdr: String,
        /// Rust name.
        name: String,
        /// Fields in wire order.
        fields: Vec<Field>,
        /// Whether `Eq` and `Hash` can be derived (no floats inside).
        eq: bool,
    },
    /// A union as an enum with `#[xdr(discriminant = N)]` arms.
    Union {
        /// XDR name.
        xdr: String,
        /// Rust name.
        name: String,
        /// Arms in declaration order.
        arms: Vec<UnionArm>,
        /// Whether `Eq` and `Hash` can be derived.
        eq: bool,
    },
}

/// A Rust type and the `#[xdr(...)]` arguments it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustType {
    /// The type (`Vec<NonnullDomain>`).
    pub ty: String,
    /// Bound expression for `#[xdr(max = …)]`.
    pub max: Option<String>,
    /// Whether `#[xdr(opaque)]` is needed.
    pub opaque: bool,
}

impl RustType {
    fn plain(ty: impl Into<String>) -> Self {
        Self {
            ty: ty.into(),
            max: None,
            opaque: false,
        }
    }

    fn needs_attrs(&self) -> bool {
        self.max.is_some() || self.opaque
    }

    /// The `#[xdr(...)]` arguments, e.g. `opaque, max = COOKIE_MAX`; empty if none.
    pub fn attr_args(&self) -> String {
        let mut args = Vec::new();
        if self.opaque {
            args.push("opaque".to_owned());
        }
        if let Some(m) = &self.max {
            args.push(format!("max = {m}"));
        }
        args.join(", ")
    }
}

/// A struct field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// XDR name.
    pub xdr: String,
    /// Rust name (`r#type`).
    pub name: String,
    /// Its type.
    pub ty: RustType,
}

/// A union arm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionArm {
    /// The case label as written.
    pub label: String,
    /// Rust variant name.
    pub variant: String,
    /// Discriminant value.
    pub discriminant: i64,
    /// What the arm carries; `None` for `void`.
    pub ty: Option<RustType>,
}

/// Whether a procedure is answered, or sent by the server unasked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcKind {
    /// CALL with args, REPLY with ret.
    Call,
    /// MESSAGE: the `*_msg` struct is the body.
    Message,
}

/// One row of a procedure table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    /// Wire number.
    pub number: i64,
    /// XDR name (`REMOTE_PROC_DOMAIN_GET_INFO`).
    pub xdr: String,
    /// Variant name (`DomainGetInfo`).
    pub variant: String,
    /// Call or message.
    pub kind: ProcKind,
    /// Rust name of the args (or message) type; `None` for void.
    pub args: Option<String>,
    /// Rust name of the ret type; `None` for void.
    pub ret: Option<String>,
}

/// Resolves every program. `inputs` pairs each program with its parsed file; a program may
/// use the names of the programs listed in its [`Program::uses`].
pub fn resolve(inputs: &[(&Program, Spec)]) -> Result<Vec<Module>, GenError> {
    let r = Resolver::new(inputs)?;
    (0..inputs.len()).map(|p| r.module(p)).collect()
}

struct Resolver<'a> {
    inputs: &'a [(&'a Program, Spec)],
    /// Per program: definitions by XDR name.
    defs: Vec<BTreeMap<&'a str, &'a Definition>>,
    /// Per program: enum variants by name, with their values.
    variants: Vec<BTreeMap<&'a str, &'a Value>>,
    /// Per program: the programs whose names it sees, itself first.
    scopes: Vec<Vec<usize>>,
}

impl<'a> Resolver<'a> {
    fn new(inputs: &'a [(&'a Program, Spec)]) -> Result<Self, GenError> {
        let mut defs = Vec::new();
        let mut variants = Vec::new();
        for (_, spec) in inputs {
            let mut d = BTreeMap::new();
            let mut v = BTreeMap::new();
            for def in &spec.defs {
                if d.insert(def.name(), def).is_some() {
                    return Err(GenError::Duplicate(def.name().to_owned()));
                }
                if let Definition::Enum { variants: vs, .. } = def {
                    for (name, value) in vs {
                        if v.insert(name.as_str(), value).is_some() {
                            return Err(GenError::Duplicate(name.clone()));
                        }
                    }
                }
            }
            defs.push(d);
            variants.push(v);
        }
        let scopes = inputs
            .iter()
            .enumerate()
            .map(|(i, (prog, _))| {
                let mut s = vec![i];
                for used in prog.uses {
                    let j = inputs
                        .iter()
                        .position(|(p, _)| p.module == *used)
                        .ok_or_else(|| GenError::UnknownProgram((*used).to_owned()))?;
                    s.push(j);
                }
                Ok(s)
            })
            .collect::<Result<_, GenError>>()?;
        Ok(Self {
            inputs,
            defs,
            variants,
            scopes,
        })
    }

    fn program(&self, p: usize) -> &'a Program {
        self.inputs[p].0
    }

    /// The definition of `name` as program `p` sees it, and the program that defines it.
    fn lookup(&self, p: usize, name: &str) -> Option<(usize, &'a Definition)> {
        self.scopes[p]
            .iter()
            .find_map(|&q| self.defs[q].get(name).map(|d| (q, *d)))
    }

    /// Rust name of a type or constant defined in program `p`.
    fn rust_name(&self, p: usize, xdr: &str, is_const: bool) -> String {
        let prefix = self.program(p).prefix;
        if is_const {
            let upper = prefix.to_ascii_uppercase();
            xdr.strip_prefix(&upper).unwrap_or(xdr).to_owned()
        } else {
            camel(xdr.strip_prefix(prefix).unwrap_or(xdr))
        }
    }

    /// `name` as code in module `ctx` refers to an item of module `def`.
    fn path(&self, ctx: usize, def: usize, name: &str) -> String {
        if ctx == def {
            name.to_owned()
        } else {
            format!("super::{}::{name}", self.program(def).module)
        }
    }

    /// The numeric value of `v` as program `p` sees it.
    fn eval(&self, p: usize, v: &Value) -> Result<i64, GenError> {
        self.eval_depth(p, v, 0)
    }

    fn eval_depth(&self, p: usize, v: &Value, depth: usize) -> Result<i64, GenError> {
        let name = match v {
            Value::Number(n, _) => return Ok(*n),
            Value::Name(name) => name,
        };
        if depth > 32 {
            return Err(GenError::UnknownConst(format!("{name} (circular)")));
        }
        if let Some((q, Definition::Const { value, .. })) = self.lookup(p, name) {
            return self.eval_depth(q, value, depth + 1);
        }
        if let Some((q, value)) = self.scopes[p]
            .iter()
            .find_map(|&q| self.variants[q].get(name.as_str()).map(|v| (q, *v)))
        {
            return self.eval_depth(q, value, depth + 1);
        }
        EXTERNAL_CONSTS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| GenError::UnknownConst(name.clone()))
    }

    /// A bound or length as an expression in module `ctx`, for a value written in `scope`.
    /// Constants of the `.x` files are referred to by name, everything else by number.
    fn expr(&self, ctx: usize, scope: usize, v: &Value) -> Result<String, GenError> {
        match v {
            Value::Name(name) => match self.lookup(scope, name) {
                Some((q, Definition::Const { .. })) => {
                    Ok(self.path(ctx, q, &self.rust_name(q, name, true)))
                }
                _ => Ok(self.eval(scope, v)?.to_string()),
            },
            Value::Number(..) => Ok(self.eval(scope, v)?.to_string()),
        }
    }

    fn unsupported(item: &str, what: impl Into<String>) -> GenError {
        GenError::Unsupported {
            item: item.to_owned(),
            what: what.into(),
        }
    }

    /// The Rust type of `T` (no declarator) seen from `scope`, printed for module `ctx`.
    /// `owner` is the type being defined, to box recursive pointers.
    fn base(
        &self,
        ctx: usize,
        scope: usize,
        ts: &TypeSpec,
        owner: &str,
    ) -> Result<RustType, GenError> {
        let prim = match ts {
            TypeSpec::Int => "i32",
            TypeSpec::UInt => "u32",
            TypeSpec::Hyper => "i64",
            TypeSpec::UHyper => "u64",
            TypeSpec::Char => "i8",
            TypeSpec::UChar => "u8",
            TypeSpec::Short => "i16",
            TypeSpec::UShort => "u16",
            TypeSpec::Float => "f32",
            TypeSpec::Double => "f64",
            TypeSpec::Bool => "bool",
            TypeSpec::Named(name) => return self.named(ctx, scope, name, owner),
        };
        Ok(RustType::plain(prim))
    }

    fn named(
        &self,
        ctx: usize,
        scope: usize,
        name: &str,
        owner: &str,
    ) -> Result<RustType, GenError> {
        let (q, def) = self
            .lookup(scope, name)
            .ok_or_else(|| GenError::UnknownType(name.to_owned()))?;
        match def {
            Definition::Struct { .. } | Definition::Union { .. } | Definition::Enum { .. } => Ok(
                RustType::plain(self.path(ctx, q, &self.rust_name(q, name, false))),
            ),
            Definition::Typedef(decl) => {
                if let DeclKind::FixedOpaque(_) = decl.kind {
                    Ok(RustType {
                        ty: self.path(ctx, q, &self.rust_name(q, name, false)),
                        max: None,
                        opaque: true,
                    })
                } else {
                    self.decl_type(ctx, q, decl, owner)
                }
            }
            Definition::Const { .. } => Err(Self::unsupported(
                owner,
                format!("constant `{name}` used as a type"),
            )),
        }
    }

    /// The Rust type of a whole declaration.
    fn decl_type(
        &self,
        ctx: usize,
        scope: usize,
        decl: &Decl,
        owner: &str,
    ) -> Result<RustType, GenError> {
        let element = |ts: &TypeSpec, what: &str| -> Result<RustType, GenError> {
            let inner = self.base(ctx, scope, ts, owner)?;
            if inner.needs_attrs() {
                return Err(Self::unsupported(
                    owner,
                    format!(
                        "`{}`: {what} of a type that needs #[xdr({})]",
                        decl.name,
                        inner.attr_args()
                    ),
                ));
            }
            if inner.ty == "u8" {
                return Err(Self::unsupported(
                    owner,
                    format!("`{}`: {what} of `unsigned char` (not opaque)", decl.name),
                ));
            }
            Ok(inner)
        };
        Ok(match &decl.kind {
            DeclKind::Void => return Err(Self::unsupported(owner, "void field")),
            DeclKind::Plain(ts) => self.base(ctx, scope, ts, owner)?,
            DeclKind::Pointer(ts) => {
                let inner = self.base(ctx, scope, ts, owner)?;
                let boxed = match ts {
                    TypeSpec::Named(n) => self.reaches(scope, n, owner, &mut HashSet::new()),
                    _ => false,
                };
                let ty = if boxed {
                    format!("Option<Box<{}>>", inner.ty)
                } else {
                    format!("Option<{}>", inner.ty)
                };
                RustType { ty, ..inner }
            }
            DeclKind::FixedArray(ts, n) => {
                let inner = element(ts, "fixed array")?;
                RustType::plain(format!("[{}; {}]", inner.ty, self.len_expr(ctx, scope, n)?))
            }
            DeclKind::VarArray(ts, m) => {
                let inner = element(ts, "variable array")?;
                RustType {
                    ty: format!("Vec<{}>", inner.ty),
                    max: Some(self.bound(ctx, scope, m.as_ref())?),
                    opaque: false,
                }
            }
            DeclKind::FixedOpaque(n) => RustType {
                ty: format!("[u8; {}]", self.len_expr(ctx, scope, n)?),
                max: None,
                opaque: true,
            },
            DeclKind::VarOpaque(m) => RustType {
                ty: "Vec<u8>".into(),
                max: Some(self.bound(ctx, scope, m.as_ref())?),
                opaque: true,
            },
            DeclKind::String(m) => {
                let max = match m {
                    Some(v) if self.eval(scope, v)? == DEFAULT_STRING_MAX => None,
                    other => Some(self.bound(ctx, scope, other.as_ref())?),
                };
                RustType {
                    ty: "String".into(),
                    max,
                    opaque: false,
                }
            }
        })
    }

    fn bound(&self, ctx: usize, scope: usize, m: Option<&Value>) -> Result<String, GenError> {
        match m {
            Some(v) => self.expr(ctx, scope, v),
            None => Ok("u32::MAX".into()),
        }
    }

    /// An array length: a literal, or a `u32` constant cast to `usize`.
    fn len_expr(&self, ctx: usize, scope: usize, n: &Value) -> Result<String, GenError> {
        let e = self.expr(ctx, scope, n)?;
        Ok(if e.parse::<u64>().is_ok() {
            e
        } else {
            format!("{e} as usize")
        })
    }

    /// Whether type `from` (seen from `scope`) contains `target` by value or pointer.
    fn reaches(&self, scope: usize, from: &str, target: &str, seen: &mut HashSet<String>) -> bool {
        if from == target {
            return true;
        }
        if !seen.insert(from.to_owned()) {
            return false;
        }
        let Some((q, def)) = self.lookup(scope, from) else {
            return false;
        };
        let decls: Vec<&Decl> = match def {
            Definition::Struct { fields, .. } => fields.iter().collect(),
            Definition::Union { arms, default, .. } => {
                arms.iter().map(|a| &a.decl).chain(default).collect()
            }
            Definition::Typedef(d) => vec![d],
            Definition::Enum { .. } | Definition::Const { .. } => Vec::new(),
        };
        decls.into_iter().any(|d| match &d.kind {
            DeclKind::Plain(TypeSpec::Named(n))
            | DeclKind::Pointer(TypeSpec::Named(n))
            | DeclKind::FixedArray(TypeSpec::Named(n), _)
            | DeclKind::VarArray(TypeSpec::Named(n), _) => self.reaches(q, n, target, seen),
            _ => false,
        })
    }

    /// Whether a value of type `name` can hold a float (then `Eq`/`Hash` are not derived).
    fn has_float(&self, scope: usize, name: &str, seen: &mut HashSet<String>) -> bool {
        if !seen.insert(name.to_owned()) {
            return false;
        }
        let Some((q, def)) = self.lookup(scope, name) else {
            return false;
        };
        let decls: Vec<&Decl> = match def {
            Definition::Struct { fields, .. } => fields.iter().collect(),
            Definition::Union { arms, default, .. } => {
                arms.iter().map(|a| &a.decl).chain(default).collect()
            }
            Definition::Typedef(d) => vec![d],
            Definition::Enum { .. } | Definition::Const { .. } => Vec::new(),
        };
        decls.into_iter().any(|d| match &d.kind {
            DeclKind::Plain(ts)
            | DeclKind::Pointer(ts)
            | DeclKind::FixedArray(ts, _)
            | DeclKind::VarArray(ts, _) => match ts {
                TypeSpec::Float | TypeSpec::Double => true,
                TypeSpec::Named(n) => self.has_float(q, n, seen),
                _ => false,
            },
            _ => false,
        })
    }

    fn module(&self, p: usize) -> Result<Module, GenError> {
        let prog = self.program(p);
        let spec = &self.inputs[p].1;
        let proc_enum = format!("{}procedure", prog.prefix);
        let mut items = Vec::new();
        let mut taken = HashSet::new();
        let mut claim = |name: &str| {
            if taken.insert(name.to_owned()) {
                Ok(())
            } else {
                Err(GenError::Duplicate(format!("{}::{name}", prog.module)))
            }
        };
        for def in &spec.defs {
            let xdr = def.name().to_owned();
            match def {
                Definition::Const { value, .. } => {
                    let name = self.rust_name(p, &xdr, true);
                    claim(&name)?;
                    let n = self.eval(p, value)?;
                    if u32::try_from(n).is_err() {
                        return Err(Self::unsupported(&xdr, format!("value {n} is not a u32")));
                    }
                    let (value, via) = match value {
                        Value::Number(_, text) if text.starts_with("0x") => (text.clone(), None),
                        Value::Number(..) => (n.to_string(), None),
                        Value::Name(other) => (self.expr(p, p, value)?, Some(other.clone())),
                    };
                    items.push(Item::Const {
                        xdr,
                        name,
                        value,
                        via,
                    });
                }
                Definition::Typedef(decl) => {
                    if let DeclKind::FixedOpaque(n) = &decl.kind {
                        let name = self.rust_name(p, &xdr, false);
                        claim(&name)?;
                        items.push(Item::Alias {
                            xdr,
                            name,
                            ty: format!("[u8; {}]", self.len_expr(p, p, n)?),
                        });
                    } else {
                        // Checked here so an unusable typedef fails even when unused.
                        self.decl_type(p, p, decl, &xdr)?;
                    }
                }
                // The procedure enum becomes the procedure table instead.
                Definition::Enum { .. } if xdr == proc_enum => {}
                Definition::Enum { variants, .. } => {
                    let name = self.rust_name(p, &xdr, false);
                    claim(&name)?;
                    let names: Vec<&str> = variants.iter().map(|(n, _)| n.as_str()).collect();
                    let strip = common_word_prefix(&names);
                    let variants = variants
                        .iter()
                        .map(|(n, v)| {
                            let value = self.eval(p, v)?;
                            if i32::try_from(value).is_err() {
                                return Err(Self::unsupported(&xdr, format!("{n} = {value}")));
                            }
                            Ok((n.clone(), variant_name(n, strip), value))
                        })
                        .collect::<Result<_, GenError>>()?;
                    items.push(Item::Enum {
                        xdr,
                        name,
                        variants,
                    });
                }
                Definition::Struct { fields, .. } => {
                    let name = self.rust_name(p, &xdr, false);
                    claim(&name)?;
                    let fields = fields
                        .iter()
                        .map(|f| {
                            Ok(Field {
                                xdr: f.name.clone(),
                                name: field_ident(&f.name),
                                ty: self.decl_type(p, p, f, &xdr)?,
                            })
                        })
                        .collect::<Result<_, GenError>>()?;
                    let eq = !self.has_float(p, &xdr, &mut HashSet::new());
                    items.push(Item::Struct {
                        xdr,
                        name,
                        fields,
                        eq,
                    });
                }
                Definition::Union {
                    discriminant,
                    arms,
                    default,
                    ..
                } => {
                    let name = self.rust_name(p, &xdr, false);
                    claim(&name)?;
                    let arms = self.union_arms(p, &xdr, discriminant, arms, default.as_ref())?;
                    let eq = !self.has_float(p, &xdr, &mut HashSet::new());
                    items.push(Item::Union {
                        xdr,
                        name,
                        arms,
                        eq,
                    });
                }
            }
        }
        Ok(Module {
            name: prog.module.to_owned(),
            file: prog.path.rsplit('/').next().unwrap_or(prog.path).to_owned(),
            items,
            procedures: self.procedures(p)?,
        })
    }

    fn union_arms(
        &self,
        p: usize,
        xdr: &str,
        discriminant: &Decl,
        arms: &[crate::parser::Arm],
        default: Option<&Decl>,
    ) -> Result<Vec<UnionArm>, GenError> {
        let ok_switch = match &discriminant.kind {
            DeclKind::Plain(TypeSpec::Int | TypeSpec::UInt | TypeSpec::Bool) => true,
            DeclKind::Plain(TypeSpec::Named(n)) => {
                matches!(self.lookup(p, n), Some((_, Definition::Enum { .. })))
            }
            _ => false,
        };
        if !ok_switch {
            return Err(Self::unsupported(
                xdr,
                "a discriminant that is not int, unsigned int, bool or an enum",
            ));
        }
        if default.is_some() {
            return Err(Self::unsupported(xdr, "a `default:` arm"));
        }
        if arms.iter().any(|a| a.cases.len() != 1) {
            return Err(Self::unsupported(xdr, "several `case` labels on one arm"));
        }
        let labels: Vec<&Value> = arms.iter().map(|a| &a.cases[0]).collect();
        let all_named = labels.iter().all(|v| matches!(v, Value::Name(_)));
        let strip = if all_named {
            let names: Vec<&str> = labels
                .iter()
                .filter_map(|v| match v {
                    Value::Name(n) => Some(n.as_str()),
                    Value::Number(..) => None,
                })
                .collect();
            common_word_prefix(&names)
        } else {
            0
        };
        arms.iter()
            .zip(labels)
            .map(|(arm, label)| {
                let discriminant = self.eval(p, label)?;
                if i32::try_from(discriminant).is_err() && u32::try_from(discriminant).is_err() {
                    return Err(Self::unsupported(xdr, format!("case {discriminant}")));
                }
                let (label, variant) = match label {
                    Value::Name(n) if all_named => (n.clone(), variant_name(n, strip)),
                    Value::Name(n) => (n.clone(), camel(n)),
                    Value::Number(_, text) if arm.decl.kind != DeclKind::Void => {
                        (text.clone(), camel(&crate::names::snake(&arm.decl.name)))
                    }
                    Value::Number(v, text) if *v < 0 => (text.clone(), format!("CaseMinus{}", -v)),
                    Value::Number(v, text) => (text.clone(), format!("Case{v}")),
                };
                let ty = match arm.decl.kind {
                    DeclKind::Void => None,
                    _ => Some(self.decl_type(p, p, &arm.decl, xdr)?),
                };
                Ok(UnionArm {
                    label,
                    variant,
                    discriminant,
                    ty,
                })
            })
            .collect()
    }

    fn procedures(&self, p: usize) -> Result<Vec<Procedure>, GenError> {
        let prog = self.program(p);
        let proc_enum = format!("{}procedure", prog.prefix);
        let Some(Definition::Enum { variants, .. }) = self.defs[p].get(proc_enum.as_str()) else {
            return Ok(Vec::new());
        };
        let proc_prefix = format!("{}PROC_", prog.prefix.to_ascii_uppercase());
        let own = |suffix: &str, short: &str| -> Option<String> {
            let xdr = format!("{}{}_{suffix}", prog.prefix, short.to_ascii_lowercase());
            self.defs[p]
                .get(xdr.as_str())
                .filter(|d| !matches!(d, Definition::Const { .. }))
                .map(|_| self.rust_name(p, &xdr, false))
        };
        let mut out = variants
            .iter()
            .map(|(name, value)| {
                let short = name.strip_prefix(&proc_prefix).ok_or_else(|| {
                    Self::unsupported(&proc_enum, format!("`{name}` lacks `{proc_prefix}`"))
                })?;
                let number = self.eval(p, value)?;
                let (kind, args, ret) = match own("msg", short) {
                    Some(msg) => (ProcKind::Message, Some(msg), None),
                    None => (ProcKind::Call, own("args", short), own("ret", short)),
                };
                Ok(Procedure {
                    number,
                    xdr: name.clone(),
                    variant: camel(short),
                    kind,
                    args,
                    ret,
                })
            })
            .collect::<Result<Vec<_>, GenError>>()?;
        out.sort_by_key(|pr| pr.number);
        Ok(out)
    }
}
