//! Property tests: encode → decode is the identity, and no input makes decoding panic.

use oxvirt_xdr::{Decode, Encode, Xdr, from_bytes, to_bytes};
use proptest::prelude::*;

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Inner {
    name: String,
    #[xdr(opaque)]
    uuid: [u8; 16],
    id: i32,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
enum Arm {
    #[xdr(discriminant = 1)]
    Int(i32),
    #[xdr(discriminant = 2)]
    UInt(u32),
    #[xdr(discriminant = 3)]
    LLong(i64),
    #[xdr(discriminant = 4)]
    ULLong(u64),
    #[xdr(discriminant = 5)]
    Double(f64),
    #[xdr(discriminant = 6)]
    Boolean(i32),
    #[xdr(discriminant = 7)]
    Str(String),
    #[xdr(discriminant = 8)]
    Void,
}

#[derive(Xdr, Debug, Clone, Copy, PartialEq)]
#[repr(i32)]
enum Kind {
    A = 0,
    B = 1,
    C = -5,
}

#[derive(Xdr, Debug, Clone, PartialEq)]
struct Outer {
    small: (),
    c: i8,
    uc: u8,
    s: i16,
    us: u16,
    b: bool,
    f: f32,
    inner: Option<Inner>,
    #[xdr(max = 8)]
    list: Vec<Inner>,
    #[xdr(max = 8)]
    arms: Vec<Arm>,
    #[xdr(opaque, max = 64)]
    blob: Vec<u8>,
    #[xdr(max = 16)]
    chars: Vec<i8>,
    model: [i8; 5],
    #[xdr(max = 12)]
    label: Option<String>,
    kind: Kind,
    #[xdr(opaque)]
    odd: [u8; 3],
}

fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(v: &T) {
    let bytes = to_bytes(v).unwrap();
    assert_eq!(bytes.len() % 4, 0);
    let back: T = from_bytes(&bytes).unwrap();
    assert_eq!(&back, v);
    assert_eq!(to_bytes(&back).unwrap(), bytes);
}

fn inner() -> impl Strategy<Value = Inner> {
    (".{0,12}", any::<[u8; 16]>(), any::<i32>()).prop_map(|(name, uuid, id)| Inner {
        name,
        uuid,
        id,
    })
}

fn arm() -> impl Strategy<Value = Arm> {
    prop_oneof![
        any::<i32>().prop_map(Arm::Int),
        any::<u32>().prop_map(Arm::UInt),
        any::<i64>().prop_map(Arm::LLong),
        any::<u64>().prop_map(Arm::ULLong),
        // NaN != NaN; bit-exactness of NaN is covered by the f64 primitive test.
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(Arm::Double),
        any::<i32>().prop_map(Arm::Boolean),
        ".{0,20}".prop_map(Arm::Str),
        Just(Arm::Void),
    ]
}

fn outer() -> impl Strategy<Value = Outer> {
    (
        (
            any::<i8>(),
            any::<u8>(),
            any::<i16>(),
            any::<u16>(),
            any::<bool>(),
        ),
        any::<f32>().prop_filter("not NaN", |f| !f.is_nan()),
        proptest::option::of(inner()),
        proptest::collection::vec(inner(), 0..=8),
        proptest::collection::vec(arm(), 0..=8),
        proptest::collection::vec(any::<u8>(), 0..=64),
        proptest::collection::vec(any::<i8>(), 0..=16),
        any::<[i8; 5]>(),
        proptest::option::of("[a-z]{0,12}"),
        prop_oneof![Just(Kind::A), Just(Kind::B), Just(Kind::C)],
        any::<[u8; 3]>(),
    )
        .prop_map(
            |((c, uc, s, us, b), f, inner, list, arms, blob, chars, model, label, kind, odd)| {
                Outer {
                    small: (),
                    c,
                    uc,
                    s,
                    us,
                    b,
                    f,
                    inner,
                    list,
                    arms,
                    blob,
                    chars,
                    model,
                    label,
                    kind,
                    odd,
                }
            },
        )
}

proptest! {
    #[test]
    fn test_i32_round_trips(v: i32) { round_trip(&v); }

    #[test]
    fn test_u32_round_trips(v: u32) { round_trip(&v); }

    #[test]
    fn test_i64_round_trips(v: i64) { round_trip(&v); }

    #[test]
    fn test_u64_round_trips(v: u64) { round_trip(&v); }

    #[test]
    fn test_i8_round_trips(v: i8) { round_trip(&v); }

    #[test]
    fn test_u8_round_trips(v: u8) { round_trip(&v); }

    #[test]
    fn test_i16_round_trips(v: i16) { round_trip(&v); }

    #[test]
    fn test_u16_round_trips(v: u16) { round_trip(&v); }

    #[test]
    fn test_bool_round_trips(v: bool) { round_trip(&v); }

    #[test]
    fn test_f64_round_trips_bit_exact(v: f64) {
        let back: f64 = from_bytes(&to_bytes(&v).unwrap()).unwrap();
        prop_assert_eq!(back.to_bits(), v.to_bits());
    }

    #[test]
    fn test_string_round_trips(v in ".{0,64}") { round_trip(&v); }

    #[test]
    fn test_option_round_trips(v: Option<u64>) { round_trip(&v); }

    #[test]
    fn test_fixed_array_round_trips(v: [i16; 7]) { round_trip(&v); }

    #[test]
    fn test_union_round_trips(v in arm()) { round_trip(&v); }

    #[test]
    fn test_nested_struct_round_trips(v in outer()) { round_trip(&v); }

    #[test]
    fn test_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = from_bytes::<Outer>(&bytes);
        let _ = from_bytes::<Arm>(&bytes);
        let _ = from_bytes::<Inner>(&bytes);
        let _ = from_bytes::<String>(&bytes);
    }

    #[test]
    fn test_reencode_of_decoded_random_bytes_is_stable(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(v) = from_bytes::<Outer>(&bytes) {
            let once = to_bytes(&v).unwrap();
            let again = to_bytes(&from_bytes::<Outer>(&once).unwrap()).unwrap();
            prop_assert_eq!(once, again);
        }
    }
}
