//! Resolution and emission on a small two-program input written for these tests.

use oxvirt_protocol_gen::{GenError, GeneratedFile, Program, generate_from_texts};

const BASE: Program = Program {
    module: "base",
    prefix: "base_",
    path: "base.x",
    uses: &[],
};

const EXT: Program = Program {
    module: "ext",
    prefix: "ext_",
    path: "ext.x",
    uses: &["base"],
};

const BASE_X: &str = "
const BASE_STRING_MAX = 4194304;
const BASE_NAME_MAX = 64;
const BASE_LIST_MAX = BASE_NAME_MAX;
typedef string base_nonnull_string<BASE_STRING_MAX>;
typedef base_nonnull_string *base_string;
typedef opaque base_uuid[VIR_UUID_BUFLEN];
enum base_color { BASE_COLOR_RED = 1, BASE_COLOR_BLUE = 2 };
struct base_handle {
    base_nonnull_string name;
    base_uuid uuid;
};
struct base_node {
    int value;
    base_node *next;
};
union base_value switch (int type) {
 case VIR_TYPED_PARAM_INT:
     int i;
 case VIR_TYPED_PARAM_DOUBLE:
     double d;
 case VIR_TYPED_PARAM_STRING:
     string s<BASE_NAME_MAX>;
};
struct base_thing_get_args {
    base_handle h;
    base_string label;
    string short_name<BASE_NAME_MAX>;
    base_color colors<BASE_LIST_MAX>;
    opaque cookie<BASE_NAME_MAX>;
    char model[32];
    unsigned short nrVirtCpu;
    unsigned int type;
};
struct base_thing_get_ret {
    base_value values<BASE_LIST_MAX>;
};
struct base_event_boom_msg {
    int callbackID;
};
const BASE_PROGRAM = 0x1234;
enum base_procedure {
    BASE_PROC_THING_GET = 1,
    BASE_PROC_THING_POKE = 2,
    BASE_PROC_EVENT_BOOM = 3
};
";

const EXT_X: &str = "
%#include \"base.h\"
struct ext_open_args {
    base_handle h;
    base_string s;
    opaque data<BASE_NAME_MAX>;
};
enum ext_procedure { EXT_PROC_OPEN = 1 };
";

fn generate() -> Vec<GeneratedFile> {
    generate_from_texts(&[(&BASE, BASE_X), (&EXT, EXT_X)]).unwrap()
}

fn file<'a>(files: &'a [GeneratedFile], name: &str) -> &'a str {
    &files.iter().find(|f| f.name == name).unwrap().text
}

#[test]
fn test_generate_files_mod_then_programs() {
    let names: Vec<String> = generate().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["mod.rs", "base.rs", "ext.rs"]);
}

#[test]
fn test_emit_struct_fields_mapped_with_attributes() {
    let files = generate();
    let base = file(&files, "base.rs");
    let expected = "\
/// `base_thing_get_args`.
#[derive(Xdr, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThingGetArgs {
    /// `h`.
    pub h: Handle,
    /// `label`.
    pub label: Option<String>,
    /// `short_name`.
    #[xdr(max = NAME_MAX)]
    pub short_name: String,
    /// `colors`.
    #[xdr(max = LIST_MAX)]
    pub colors: Vec<Color>,
    /// `cookie`.
    #[xdr(opaque, max = NAME_MAX)]
    pub cookie: Vec<u8>,
    /// `model`.
    pub model: [i8; 32],
    /// `nrVirtCpu`.
    pub nr_virt_cpu: u16,
    /// `type`.
    pub r#type: u32,
}
";
    assert!(base.contains(expected), "{base}");
}

#[test]
fn test_emit_typedefs_alias_only_fixed_opaque() {
    let files = generate();
    let base = file(&files, "base.rs");
    assert!(base.contains("pub type Uuid = [u8; 16];\n"));
    assert!(base.contains("    #[xdr(opaque)]\n    pub uuid: Uuid,\n"));
    assert!(!base.contains("NonnullString"));
}

#[test]
fn test_emit_const_via_name_and_hex_kept() {
    let files = generate();
    let base = file(&files, "base.rs");
    assert!(
        base.contains(
            "/// `BASE_LIST_MAX` (`BASE_NAME_MAX`).\npub const LIST_MAX: u32 = NAME_MAX;\n"
        )
    );
    assert!(base.contains("pub const PROGRAM: u32 = 0x1234;\n"));
}

#[test]
fn test_emit_recursive_pointer_boxed() {
    let files = generate();
    assert!(file(&files, "base.rs").contains("pub next: Option<Box<Node>>,\n"));
}

#[test]
fn test_emit_union_arms_with_discriminants_no_eq_for_float() {
    let files = generate();
    let expected = "\
/// `base_value`.
#[derive(Xdr, Debug, Clone, PartialEq)]
pub enum Value {
    /// `VIR_TYPED_PARAM_INT`.
    #[xdr(discriminant = 1)]
    Int(i32),
    /// `VIR_TYPED_PARAM_DOUBLE`.
    #[xdr(discriminant = 5)]
    Double(f64),
    /// `VIR_TYPED_PARAM_STRING`.
    #[xdr(discriminant = 7)]
    String(#[xdr(max = NAME_MAX)] String),
}
";
    assert!(file(&files, "base.rs").contains(expected));
}

#[test]
fn test_emit_enum_prefix_stripped() {
    let files = generate();
    assert!(
        file(&files, "base.rs")
            .contains("#[repr(i32)]\npub enum Color {\n    /// `BASE_COLOR_RED`.\n    Red = 1,\n")
    );
}

#[test]
fn test_emit_procedure_table_rows_by_naming_convention() {
    let files = generate();
    let base = file(&files, "base.rs");
    for row in [
        "1 => ThingGet, Call, $crate::generated::base::ThingGetArgs, \
         $crate::generated::base::ThingGetRet;",
        "2 => ThingPoke, Call, (), ();",
        "3 => EventBoom, Message, $crate::generated::base::EventBoomMsg, ();",
    ] {
        assert!(base.contains(row), "{row}");
    }
    assert!(!base.contains("enum Procedure"));
}

#[test]
fn test_emit_other_program_types_by_super_path() {
    let files = generate();
    let ext = file(&files, "ext.rs");
    assert!(ext.contains("    pub h: super::base::Handle,\n"));
    assert!(ext.contains("    pub s: Option<String>,\n"));
    assert!(ext.contains("    #[xdr(opaque, max = super::base::NAME_MAX)]\n"));
}

#[test]
fn test_resolve_unknown_type_fails() {
    let err = generate_from_texts(&[(&BASE, "struct base_x { base_nope y; };")]).unwrap_err();
    assert!(matches!(err, GenError::UnknownType(t) if t == "base_nope"));
}

#[test]
fn test_resolve_unknown_constant_fails() {
    let err = generate_from_texts(&[(&BASE, "struct base_x { int y<NOPE_MAX>; };")]).unwrap_err();
    assert!(matches!(err, GenError::UnknownConst(c) if c == "NOPE_MAX"));
}

#[test]
fn test_resolve_unsigned_char_array_unsupported() {
    let err =
        generate_from_texts(&[(&BASE, "struct base_x { unsigned char y[4]; };")]).unwrap_err();
    assert!(matches!(err, GenError::Unsupported { .. }), "{err}");
}

#[test]
fn test_resolve_union_default_arm_unsupported() {
    let src = "union base_u switch (int d) { case 1: int a; default: void; };";
    let err = generate_from_texts(&[(&BASE, src)]).unwrap_err();
    assert!(matches!(err, GenError::Unsupported { .. }), "{err}");
}
