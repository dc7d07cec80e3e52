//! Step 2: tokens → the definitions of one `.x` file ([`Spec`]), in file order. Nothing is
//! looked up here; names stay names until [`crate::resolve`].
//!
//! The grammar is RFC 4506's, plus what rpcgen accepts and libvirt uses: `char`, `short`,
//! `unsigned` on its own, and `struct NAME` / `enum NAME` / `union NAME` as type names.
//! Inline anonymous `struct { … }` types and `program` blocks are refused.

use crate::GenError;
use crate::lexer::{Tok, Token, lex};

/// The definitions of one file, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spec {
    /// Every definition.
    pub defs: Vec<Definition>,
}

/// One top-level definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definition {
    /// `const NAME = value;`
    Const {
        /// Constant name.
        name: String,
        /// Its value.
        value: Value,
    },
    /// `typedef declaration;` (the declaration's name is the new type's name).
    Typedef(Decl),
    /// `enum NAME { A = 1, … };`
    Enum {
        /// Type name.
        name: String,
        /// Variants and their values, in order.
        variants: Vec<(String, Value)>,
    },
    /// `struct NAME { declaration; … };`
    Struct {
        /// Type name.
        name: String,
        /// Fields in wire order.
        fields: Vec<Decl>,
    },
    /// `union NAME switch (declaration) { case …: declaration; … };`
    Union {
        /// Type name.
        name: String,
        /// The discriminant declaration.
        discriminant: Decl,
        /// The `case` arms.
        arms: Vec<Arm>,
        /// The `default:` arm, if any.
        default: Option<Decl>,
    },
}

impl Definition {
    /// The name the definition introduces.
    pub fn name(&self) -> &str {
        match self {
            Self::Const { name, .. }
            | Self::Enum { name, .. }
            | Self::Struct { name, .. }
            | Self::Union { name, .. } => name,
            Self::Typedef(d) => &d.name,
        }
    }
}

/// A number or the name of a constant (or enum variant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A literal and the text it was written as.
    Number(i64, String),
    /// A symbolic name.
    Name(String),
}

/// One `case` arm of a union: the labels that select it and its declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    /// Case labels (more than one when cases fall through).
    pub cases: Vec<Value>,
    /// What the arm carries (`void` for nothing).
    pub decl: Decl,
}

/// A declaration: a field, a union arm, a typedef body. `void` has an empty name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    /// Declared name (empty for `void`).
    pub name: String,
    /// Shape and type.
    pub kind: DeclKind,
}

/// The shape of a declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclKind {
    /// `void`.
    Void,
    /// `T x`.
    Plain(TypeSpec),
    /// `T *x` (optional data).
    Pointer(TypeSpec),
    /// `T x[N]`.
    FixedArray(TypeSpec, Value),
    /// `T x<M>`; `None` when unbounded (`<>`).
    VarArray(TypeSpec, Option<Value>),
    /// `opaque x[N]`.
    FixedOpaque(Value),
    /// `opaque x<M>`.
    VarOpaque(Option<Value>),
    /// `string x<M>`.
    String(Option<Value>),
}

/// A type name as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSpec {
    /// `int` (also `long`).
    Int,
    /// `unsigned int` (also `unsigned`, `unsigned long`).
    UInt,
    /// `hyper`.
    Hyper,
    /// `unsigned hyper`.
    UHyper,
    /// `char`.
    Char,
    /// `unsigned char`.
    UChar,
    /// `short`.
    Short,
    /// `unsigned short`.
    UShort,
    /// `float`.
    Float,
    /// `double`.
    Double,
    /// `bool`.
    Bool,
    /// A typedef, struct, union or enum by name.
    Named(String),
}

/// Lexes and parses one file.
pub fn parse(file: &str, src: &str) -> Result<Spec, GenError> {
    let tokens = lex(file, src)?;
    let mut p = Parser {
        file,
        tokens: &tokens,
        pos: 0,
    };
    let mut defs = Vec::new();
    while !p.at_end() {
        defs.push(p.definition()?);
    }
    Ok(Spec { defs })
}

struct Parser<'a> {
    file: &'a str,
    tokens: &'a [Token],
    pos: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn err(&self, message: impl Into<String>) -> GenError {
        let line = self
            .tokens
            .get(self.pos)
            .or(self.tokens.last())
            .map_or(0, |t| t.line);
        GenError::Syntax {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        }
    }

    fn next(&mut self) -> Result<&Tok, GenError> {
        let t = self
            .tokens
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end of file"))?;
        self.pos += 1;
        Ok(&t.tok)
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == kw)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let yes = self.is_punct(c);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.is_keyword(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_punct(&mut self, c: char) -> Result<(), GenError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{c}`, found {}", self.describe())))
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of file".into(),
            Some(Tok::Ident(s)) => format!("`{s}`"),
            Some(Tok::Number(_, s)) => format!("`{s}`"),
            Some(Tok::Punct(c)) => format!("`{c}`"),
        }
    }

    fn ident(&mut self) -> Result<String, GenError> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.err(format!("expected a name, found {}", self.describe()))),
        }
    }

    fn value(&mut self) -> Result<Value, GenError> {
        let negative = self.eat_punct('-');
        match self.next()?.clone() {
            Tok::Number(n, text) if negative => Ok(Value::Number(-n, format!("-{text}"))),
            Tok::Number(n, text) => Ok(Value::Number(n, text)),
            Tok::Ident(s) if !negative => Ok(Value::Name(s)),
            _ => {
                self.pos -= 1;
                Err(self.err(format!("expected a value, found {}", self.describe())))
            }
        }
    }

    fn definition(&mut self) -> Result<Definition, GenError> {
        let kw = self.ident()?;
        let def = match kw.as_str() {
            "const" => {
                let name = self.ident()?;
                self.expect_punct('=')?;
                let value = self.value()?;
                Definition::Const { name, value }
            }
            "typedef" => {
                let decl = self.declaration()?;
                if decl.kind == DeclKind::Void {
                    return Err(self.err("typedef of void"));
                }
                Definition::Typedef(decl)
            }
            "enum" => {
                let name = self.ident()?;
                let variants = self.enum_body()?;
                Definition::Enum { name, variants }
            }
            "struct" => {
                let name = self.ident()?;
                let fields = self.struct_body()?;
                Definition::Struct { name, fields }
            }
            "union" => {
                let name = self.ident()?;
                self.union_body(name)?
            }
            other => {
                self.pos -= 1;
                return Err(self.err(format!("expected a definition, found `{other}`")));
            }
        };
        self.expect_punct(';')?;
        Ok(def)
    }

    fn enum_body(&mut self) -> Result<Vec<(String, Value)>, GenError> {
        self.expect_punct('{')?;
        let mut variants: Vec<(String, Value)> = Vec::new();
        loop {
            let name = self.ident()?;
            let value = if self.eat_punct('=') {
                self.value()?
            } else {
                // rpcgen numbers like C: one more than the previous variant.
                match variants.last() {
                    None => Value::Number(0, "0".into()),
                    Some((_, Value::Number(n, _))) => Value::Number(n + 1, (n + 1).to_string()),
                    Some((_, Value::Name(_))) => {
                        return Err(self.err(format!("`{name}` needs an explicit value")));
                    }
                }
            };
            variants.push((name, value));
            if self.eat_punct(',') {
                // A trailing comma before `}` is tolerated.
                if self.eat_punct('}') {
                    break;
                }
                continue;
            }
            self.expect_punct('}')?;
            break;
        }
        Ok(variants)
    }

    fn struct_body(&mut self) -> Result<Vec<Decl>, GenError> {
        self.expect_punct('{')?;
        let mut fields = Vec::new();
        while !self.eat_punct('}') {
            let decl = self.declaration()?;
            self.expect_punct(';')?;
            if decl.kind != DeclKind::Void {
                fields.push(decl);
            }
        }
        Ok(fields)
    }

    fn union_body(&mut self, name: String) -> Result<Definition, GenError> {
        if !self.eat_keyword("switch") {
            return Err(self.err(format!("expected `switch`, found {}", self.describe())));
        }
        self.expect_punct('(')?;
        let discriminant = self.declaration()?;
        self.expect_punct(')')?;
        self.expect_punct('{')?;
        let mut arms = Vec::new();
        let mut default = None;
        while !self.eat_punct('}') {
            if self.eat_keyword("default") {
                self.expect_punct(':')?;
                default = Some(self.declaration()?);
                self.expect_punct(';')?;
                continue;
            }
            let mut cases = Vec::new();
            while self.eat_keyword("case") {
                cases.push(self.value()?);
                self.expect_punct(':')?;
            }
            if cases.is_empty() {
                return Err(self.err(format!("expected `case`, found {}", self.describe())));
            }
            let decl = self.declaration()?;
            self.expect_punct(';')?;
            arms.push(Arm { cases, decl });
        }
        Ok(Definition::Union {
            name,
            discriminant,
            arms,
            default,
        })
    }

    fn type_spec(&mut self) -> Result<TypeSpec, GenError> {
        let word = self.ident()?;
        Ok(match word.as_str() {
            "unsigned" => {
                if self.eat_keyword("int") || self.eat_keyword("long") {
                    TypeSpec::UInt
                } else if self.eat_keyword("hyper") {
                    TypeSpec::UHyper
                } else if self.eat_keyword("char") {
                    TypeSpec::UChar
                } else if self.eat_keyword("short") {
                    TypeSpec::UShort
                } else {
                    TypeSpec::UInt
                }
            }
            "int" | "long" => TypeSpec::Int,
            "hyper" => TypeSpec::Hyper,
            "char" => TypeSpec::Char,
            "short" => TypeSpec::Short,
            "float" => TypeSpec::Float,
            "double" => TypeSpec::Double,
            "bool" => TypeSpec::Bool,
            "quadruple" => return Err(self.err("`quadruple` is not supported")),
            "struct" | "union" | "enum" => {
                if self.is_punct('{') || self.is_keyword("switch") {
                    return Err(self.err(format!("inline anonymous `{word}` is not supported")));
                }
                TypeSpec::Named(self.ident()?)
            }
            _ => TypeSpec::Named(word),
        })
    }

    fn declaration(&mut self) -> Result<Decl, GenError> {
        if self.eat_keyword("void") {
            return Ok(Decl {
                name: String::new(),
                kind: DeclKind::Void,
            });
        }
        if self.eat_keyword("opaque") {
            let name = self.ident()?;
            let kind = if self.eat_punct('[') {
                let n = self.value()?;
                self.expect_punct(']')?;
                DeclKind::FixedOpaque(n)
            } else {
                DeclKind::VarOpaque(self.var_bound()?)
            };
            return Ok(Decl { name, kind });
        }
        if self.eat_keyword("string") {
            let name = self.ident()?;
            let kind = DeclKind::String(self.var_bound()?);
            return Ok(Decl { name, kind });
        }
        let ty = self.type_spec()?;
        if self.eat_punct('*') {
            let name = self.ident()?;
            return Ok(Decl {
                name,
                kind: DeclKind::Pointer(ty),
            });
        }
        let name = self.ident()?;
        let kind = if self.eat_punct('[') {
            let n = self.value()?;
            self.expect_punct(']')?;
            DeclKind::FixedArray(ty, n)
        } else if self.is_punct('<') {
            DeclKind::VarArray(ty, self.var_bound()?)
        } else {
            DeclKind::Plain(ty)
        };
        Ok(Decl { name, kind })
    }

    /// `<M>` or `<>`.
    fn var_bound(&mut self) -> Result<Option<Value>, GenError> {
        self.expect_punct('<')?;
        if self.eat_punct('>') {
            return Ok(None);
        }
        let v = self.value()?;
        self.expect_punct('>')?;
        Ok(Some(v))
    }
}
