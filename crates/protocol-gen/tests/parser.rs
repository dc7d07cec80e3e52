//! The parser on small `.x` snippets written for these tests.

use oxvirt_protocol_gen::GenError;
use oxvirt_protocol_gen::parser::{Arm, Decl, DeclKind, Definition, TypeSpec, Value, parse};

fn defs(src: &str) -> Vec<Definition> {
    parse("snippet.x", src).unwrap().defs
}

fn num(n: i64) -> Value {
    Value::Number(n, n.to_string())
}

fn name(s: &str) -> Value {
    Value::Name(s.into())
}

fn decl(n: &str, kind: DeclKind) -> Decl {
    Decl {
        name: n.into(),
        kind,
    }
}

#[test]
fn test_parse_const_decimal_hex_and_name_values() {
    let d = defs("const A = 10;\nconst B = 0x1F;\nconst C = A;\nconst D = -2;");
    assert_eq!(
        d,
        vec![
            Definition::Const {
                name: "A".into(),
                value: num(10)
            },
            Definition::Const {
                name: "B".into(),
                value: Value::Number(31, "0x1F".into())
            },
            Definition::Const {
                name: "C".into(),
                value: name("A")
            },
            Definition::Const {
                name: "D".into(),
                value: Value::Number(-2, "-2".into())
            },
        ]
    );
}

#[test]
fn test_parse_struct_every_declarator_shape() {
    let d = defs(
        "struct s {
            int a;
            unsigned int b;
            unsigned hyper c;
            unsigned char d;
            short e;
            bool f;
            double g;
            char model[32];
            opaque uuid[16];
            opaque blob<MAX>;
            string s<>;
            some_type list<8>;
            some_type *next;
            struct other o;
            unsigned u;
        };",
    );
    let Definition::Struct { name: n, fields } = &d[0] else {
        panic!("{d:?}");
    };
    assert_eq!(n, "s");
    assert_eq!(
        fields,
        &vec![
            decl("a", DeclKind::Plain(TypeSpec::Int)),
            decl("b", DeclKind::Plain(TypeSpec::UInt)),
            decl("c", DeclKind::Plain(TypeSpec::UHyper)),
            decl("d", DeclKind::Plain(TypeSpec::UChar)),
            decl("e", DeclKind::Plain(TypeSpec::Short)),
            decl("f", DeclKind::Plain(TypeSpec::Bool)),
            decl("g", DeclKind::Plain(TypeSpec::Double)),
            decl("model", DeclKind::FixedArray(TypeSpec::Char, num(32))),
            decl("uuid", DeclKind::FixedOpaque(num(16))),
            decl("blob", DeclKind::VarOpaque(Some(name("MAX")))),
            decl("s", DeclKind::String(None)),
            decl(
                "list",
                DeclKind::VarArray(TypeSpec::Named("some_type".into()), Some(num(8)))
            ),
            decl(
                "next",
                DeclKind::Pointer(TypeSpec::Named("some_type".into()))
            ),
            decl("o", DeclKind::Plain(TypeSpec::Named("other".into()))),
            decl("u", DeclKind::Plain(TypeSpec::UInt)),
        ]
    );
}

#[test]
fn test_parse_enum_implicit_value_after_symbolic_fails() {
    // C numbering cannot continue from a name whose value is not known yet.
    assert!(parse("snippet.x", "enum e { E_A = 1, E_B = E_LIMIT, E_C };").is_err());
}

#[test]
fn test_parse_enum_values_in_order() {
    assert_eq!(
        defs("enum e {\n  E_A = 1,\n  E_B = 5,\n  E_C\n};"),
        vec![Definition::Enum {
            name: "e".into(),
            variants: vec![
                ("E_A".into(), num(1)),
                ("E_B".into(), num(5)),
                ("E_C".into(), num(6)),
            ],
        }]
    );
}

#[test]
fn test_parse_union_arms_void_and_default() {
    let d = defs(
        "union u switch (int kind) {
         case K_INT:
             int i;
         case 2:
         case 3:
             string s<10>;
         case 4:
             void;
         default:
             void;
         };",
    );
    assert_eq!(
        d,
        vec![Definition::Union {
            name: "u".into(),
            discriminant: decl("kind", DeclKind::Plain(TypeSpec::Int)),
            arms: vec![
                Arm {
                    cases: vec![name("K_INT")],
                    decl: decl("i", DeclKind::Plain(TypeSpec::Int)),
                },
                Arm {
                    cases: vec![num(2), num(3)],
                    decl: decl("s", DeclKind::String(Some(num(10)))),
                },
                Arm {
                    cases: vec![num(4)],
                    decl: decl("", DeclKind::Void),
                },
            ],
            default: Some(decl("", DeclKind::Void)),
        }]
    );
}

#[test]
fn test_parse_typedefs_string_pointer_opaque() {
    assert_eq!(
        defs(
            "typedef string t_str<T_MAX>;\n\
             typedef t_str *t_opt_str;\n\
             typedef opaque t_uuid[16];"
        ),
        vec![
            Definition::Typedef(decl("t_str", DeclKind::String(Some(name("T_MAX"))))),
            Definition::Typedef(decl(
                "t_opt_str",
                DeclKind::Pointer(TypeSpec::Named("t_str".into()))
            )),
            Definition::Typedef(decl("t_uuid", DeclKind::FixedOpaque(num(16)))),
        ]
    );
}

#[test]
fn test_parse_comments_and_passthrough_lines_ignored() {
    let d = defs(
        "/* block\n * comment with struct x { int y; }; */\n\
         %#include \"something.h\"\n\
         % any C at all;\n\
         // line comment\n\
         struct s { /* inline */ int a; /* trailing */ };",
    );
    assert_eq!(
        d,
        vec![Definition::Struct {
            name: "s".into(),
            fields: vec![decl("a", DeclKind::Plain(TypeSpec::Int))],
        }]
    );
}

#[test]
fn test_parse_missing_semicolon_fails_with_line() {
    let err = parse("snippet.x", "struct s {\n  int a\n};").unwrap_err();
    let GenError::Syntax { line, message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*line, 3, "{message}");
}

#[test]
fn test_parse_inline_anonymous_struct_refused() {
    assert!(parse("snippet.x", "struct s { struct { int a; } inner; };").is_err());
}

#[test]
fn test_parse_unknown_keyword_at_top_level_fails() {
    assert!(parse("snippet.x", "program P { };").is_err());
}
