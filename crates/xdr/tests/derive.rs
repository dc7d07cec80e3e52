//! `#[derive(Xdr)]` against hand-computed wire bytes.

use oxvirt_xdr::{Decode, Xdr, XdrError, from_bytes, to_bytes};

const LIST_MAX: u32 = 3;

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Handle {
    name: String,
    #[xdr(opaque)]
    uuid: [u8; 16],
    id: i32,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
struct ListRet {
    #[xdr(max = LIST_MAX)]
    items: Vec<Handle>,
    ret: u32,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Label {
    #[xdr(max = 8)]
    label: Vec<i8>,
    enforcing: i32,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Cookie(#[xdr(opaque, max = 16)] Vec<u8>);

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Void;

#[derive(Xdr, Debug, Clone, Copy, PartialEq)]
#[repr(i32)]
enum AuthType {
    None = 0,
    Sasl = 1,
    Polkit = 2,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
enum Value {
    #[xdr(discriminant = 1)]
    Int(i32),
    #[xdr(discriminant = 4)]
    ULLong(u64),
    #[xdr(discriminant = 7)]
    Str(#[xdr(max = 5)] String),
    #[xdr(discriminant = 9)]
    Nothing,
    #[xdr(discriminant = 10)]
    Pair { a: i32, b: Option<i32> },
}

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Bounded {
    #[xdr(max = 4)]
    name: Option<String>,
}

fn handle() -> Handle {
    Handle {
        name: "abc".into(),
        uuid: [7; 16],
        id: -1,
    }
}

#[test]
fn test_struct_handle_wire_bytes() {
    let mut want = vec![0, 0, 0, 3, b'a', b'b', b'c', 0];
    want.extend([7; 16]);
    want.extend([0xff; 4]);
    assert_eq!(to_bytes(&handle()).unwrap(), want);
}

#[test]
fn test_array_over_max_fails_on_encode() {
    let v = ListRet {
        items: vec![handle(); 4],
        ret: 4,
    };
    assert_eq!(to_bytes(&v), Err(XdrError::TooLong { len: 4, max: 3 }));
}

#[test]
fn test_array_over_max_fails_on_decode() {
    let r = from_bytes::<ListRet>(&[0, 0, 0, 4, 0, 0, 0, 0]);
    assert_eq!(r, Err(XdrError::TooLong { len: 4, max: 3 }));
}

#[test]
fn test_array_count_larger_than_input_fails_fast() {
    #[derive(Xdr, Debug)]
    struct Big {
        #[xdr(max = u32::MAX)]
        items: Vec<u64>,
    }
    let r = from_bytes::<Big>(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(r, Err(XdrError::CountExceedsInput { .. })));
}

#[test]
fn test_char_array_words_per_char() {
    let v = Label {
        label: vec![b'x' as i8, 0],
        enforcing: 1,
    };
    assert_eq!(
        to_bytes(&v).unwrap(),
        vec![0, 0, 0, 2, 0, 0, 0, b'x', 0, 0, 0, 0, 0, 0, 0, 1]
    );
}

#[test]
fn test_variable_opaque_is_padded() {
    assert_eq!(
        to_bytes(&Cookie(vec![1, 2, 3, 4, 5])).unwrap(),
        vec![0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]
    );
}

#[test]
fn test_unit_struct_is_void() {
    assert_eq!(to_bytes(&Void).unwrap(), Vec::<u8>::new());
}

#[test]
fn test_enum_encodes_as_i32() {
    assert_eq!(to_bytes(&AuthType::Polkit).unwrap(), vec![0, 0, 0, 2]);
}

#[test]
fn test_enum_unknown_value_fails() {
    let r = from_bytes::<AuthType>(&[0, 0, 0, 3]);
    assert_eq!(
        r,
        Err(XdrError::UnknownDiscriminant {
            type_name: "AuthType",
            value: 3
        })
    );
}

#[test]
fn test_enum_known_value_decodes() {
    assert_eq!(
        from_bytes::<AuthType>(&[0, 0, 0, 1]).unwrap(),
        AuthType::Sasl
    );
}

#[test]
fn test_union_string_arm_wire_bytes() {
    assert_eq!(
        to_bytes(&Value::Str("hi".into())).unwrap(),
        vec![0, 0, 0, 7, 0, 0, 0, 2, b'h', b'i', 0, 0]
    );
}

#[test]
fn test_union_string_arm_bound_applies() {
    assert!(to_bytes(&Value::Str("toolong".into())).is_err());
}

#[test]
fn test_union_unknown_discriminant_fails() {
    let r = from_bytes::<Value>(&[0, 0, 0, 2, 0, 0, 0, 0]);
    assert!(matches!(
        r,
        Err(XdrError::UnknownDiscriminant { value: 2, .. })
    ));
}

#[test]
fn test_union_void_arm_is_discriminant_only() {
    assert_eq!(to_bytes(&Value::Nothing).unwrap(), vec![0, 0, 0, 9]);
}

#[test]
fn test_option_string_bound_applies_inside_option() {
    let r = from_bytes::<Bounded>(&[0, 0, 0, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]);
    assert_eq!(r, Err(XdrError::TooLong { len: 5, max: 4 }));
}

#[test]
fn test_wire_min_sums_fields() {
    assert_eq!(<Handle as Decode>::WIRE_MIN, 4 + 16 + 4);
}
