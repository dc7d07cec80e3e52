//! XDR (RFC 4506) exactly as glibc's rpcgen writes and reads it — the encoding of every
//! libvirt RPC payload. No I/O: bytes in, values out, and back.
//!
//! How a payload flows through this crate:
//!
//! 1. The RPC layer has cut a packet out of the stream and split off the 24-byte header
//!    (`oxvirt-protocol` does that). What is left is the payload: a `&[u8]`.
//! 2. [`from_bytes`] wraps it in a [`Decoder`] and calls [`Decode::decode`] of the type the
//!    procedure number names. Derived impls read the fields in declaration order; every
//!    length or count read from the wire is checked against its declared maximum **and**
//!    against the bytes that are left before anything is allocated, so hostile input fails
//!    fast with an [`XdrError`] and never panics.
//! 3. The reply value goes back through [`Encode::encode`] into an [`Encoder`] (a growing
//!    `Vec<u8>`), and [`to_bytes`] / [`Encoder::into_inner`] hand the bytes to the framer.
//!
//! # Type mapping
//!
//! | XDR | Rust |
//! |---|---|
//! | `int`, `unsigned int`, `hyper`, `unsigned hyper` | `i32`, `u32`, `i64`, `u64` |
//! | `char`, `unsigned char`, `short`, `unsigned short` | `i8`, `u8`, `i16`, `u16` — one 4-byte word each (signed ones sign-extended) |
//! | `bool` | `bool` (decode: any non-zero word is `true`, like glibc) |
//! | `float`, `double` | `f32`, `f64` |
//! | `string<MAX>` | `String` (default max [`STRING_MAX`]; override with `#[xdr(max = N)]`) |
//! | `T *x` (optional) | `Option<T>`: word 1/0; decode treats any non-zero word as present |
//! | `T x<MAX>` | `Vec<T>` with **required** `#[xdr(max = N)]`: count word + elements |
//! | `T x[N]` | `[T; N]`, element-wise (so `char model[32]` is `[i8; 32]`, 128 bytes) |
//! | `opaque x[N]` | `[u8; N]` with `#[xdr(opaque)]`: N bytes + padding, no length |
//! | `opaque x<MAX>` | `Vec<u8>` with `#[xdr(opaque, max = N)]`: length + bytes + padding |
//! | `char x<MAX>` | `Vec<i8>` with `#[xdr(max = N)]` (a word per character, *not* opaque) |
//! | `enum` | fieldless `#[repr(i32)]` enum; unknown values are a decode error |
//! | `union switch (int d)` | enum with data variants, each `#[xdr(discriminant = N)]` |
//! | `void` | `()` or a unit struct |
//!
//! A bare `[u8; N]` or `Vec<u8>` field is refused by the derive: say `#[xdr(opaque)]` (the
//! usual meaning) so a UUID can never silently become 64 bytes.
//!
//! ```
//! use oxvirt_xdr::{Xdr, to_bytes};
//!
//! #[derive(Xdr)]
//! struct Handle {
//!     name: String,
//!     #[xdr(opaque)]
//!     uuid: [u8; 16],
//!     #[xdr(max = 8)]
//!     ids: Vec<i32>,
//! }
//!
//! let h = Handle { name: "a".into(), uuid: [0; 16], ids: vec![7] };
//! assert_eq!(to_bytes(&h).unwrap().len(), 8 + 16 + 8);
//! ```
//!
//! A `Vec` without a bound does not compile:
//!
//! ```compile_fail
//! #[derive(oxvirt_xdr::Xdr)]
//! struct Unbounded {
//!     ids: Vec<i32>,
//! }
//! ```
//!
//! Nor does a byte array that does not say whether it is opaque:
//!
//! ```compile_fail
//! #[derive(oxvirt_xdr::Xdr)]
//! struct Ambiguous {
//!     uuid: [u8; 16],
//! }
//! ```
//!
//! # Strings
//!
//! libvirt strings are C strings of (nearly always) UTF-8. Decoding a [`String`] that is
//! not valid UTF-8 fails with [`XdrError::InvalidUtf8`] (the RPC layer answers "Unable to
//! decode message payload", the same as for any malformed payload). Embedded NUL bytes are
//! kept as they are: they round-trip, and the layers that use a string as a name or a path
//! validate it there.
//!
//! # Leniency
//!
//! Like glibc, the decoder does not check that padding bytes are zero, and the narrow
//! integer types (`i8`, `u8`, `i16`, `u16`) keep the low bits of their word. The encoder
//! always writes canonical bytes: zero padding, sign extension.

mod decode;
mod encode;
mod error;
mod impls;

pub use decode::Decoder;
pub use encode::Encoder;
pub use error::XdrError;
pub use oxvirt_xdr_derive::Xdr;

/// `REMOTE_STRING_MAX`: the default bound of a `String` (4 MiB).
pub const STRING_MAX: u32 = 4_194_304;

/// A value that can be written as XDR.
pub trait Encode {
    /// Appends the XDR form of `self` to `enc`.
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError>;
}

/// A value that can be read from XDR.
pub trait Decode: Sized {
    /// The fewest bytes any value of this type occupies on the wire. Array decoding uses it
    /// to reject a count that cannot possibly fit in the remaining input before allocating.
    const WIRE_MIN: usize = 0;

    /// Reads one value from `dec`.
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError>;
}

/// Encodes `v` into a fresh buffer.
pub fn to_bytes<T: Encode + ?Sized>(v: &T) -> Result<Vec<u8>, XdrError> {
    let mut enc = Encoder::new();
    v.encode(&mut enc)?;
    Ok(enc.into_inner())
}

/// Decodes a `T` from the start of `buf`. Trailing bytes are allowed (libvirt doesn't
/// check them either); use [`from_bytes_exact`] to refuse them.
pub fn from_bytes<T: Decode>(buf: &[u8]) -> Result<T, XdrError> {
    T::decode(&mut Decoder::new(buf))
}

/// Decodes a `T` that must use all of `buf`.
pub fn from_bytes_exact<T: Decode>(buf: &[u8]) -> Result<T, XdrError> {
    let mut dec = Decoder::new(buf);
    let v = T::decode(&mut dec)?;
    match dec.remaining() {
        0 => Ok(v),
        n => Err(XdrError::TrailingBytes(n)),
    }
}

/// Number of zero bytes that pad `len` bytes to a multiple of 4.
pub const fn padding(len: usize) -> usize {
    (4 - (len % 4)) % 4
}

/// Encoded size of `len` bytes of opaque data (the bytes plus padding).
pub const fn padded_len(len: usize) -> usize {
    len + padding(len)
}

// ---------------------------------------------------------------------------------------
// Helpers for fields whose encoding depends on an attribute (a bound, `opaque`). The derive
// calls these; hand-written impls may too.

/// Writes a variable-length array `T x<max>`: count word then the elements.
pub fn encode_array<T: Encode>(v: &[T], max: u32, enc: &mut Encoder) -> Result<(), XdrError> {
    enc.put_len(v.len(), max)?;
    v.iter().try_for_each(|x| x.encode(enc))
}

/// Reads a variable-length array `T x<max>`.
pub fn decode_array<T: Decode>(dec: &mut Decoder<'_>, max: u32) -> Result<Vec<T>, XdrError> {
    let n = dec.get_count(max, T::WIRE_MIN)?;
    // `get_count` proved n × WIRE_MIN bytes are present; cap the up-front allocation by
    // what the input could hold anyway in case WIRE_MIN is 0.
    let mut out = Vec::with_capacity(n.min(dec.remaining() / 4 + 1));
    for _ in 0..n {
        out.push(T::decode(dec)?);
    }
    Ok(out)
}

/// Writes variable-length opaque data `opaque x<max>`: length, bytes, padding.
pub fn encode_opaque(v: &[u8], max: u32, enc: &mut Encoder) -> Result<(), XdrError> {
    enc.put_len(v.len(), max)?;
    enc.put_bytes(v);
    Ok(())
}

/// Reads variable-length opaque data `opaque x<max>`.
pub fn decode_opaque(dec: &mut Decoder<'_>, max: u32) -> Result<Vec<u8>, XdrError> {
    Ok(dec.get_opaque(max)?.to_vec())
}

/// Writes fixed-length opaque data `opaque x[N]`: the bytes and padding, no length.
pub fn encode_fixed_opaque(v: &[u8], enc: &mut Encoder) -> Result<(), XdrError> {
    enc.put_bytes(v);
    Ok(())
}

/// Reads fixed-length opaque data `opaque x[N]`.
pub fn decode_fixed_opaque<const N: usize>(dec: &mut Decoder<'_>) -> Result<[u8; N], XdrError> {
    let mut out = [0u8; N];
    out.copy_from_slice(dec.get_bytes(N)?);
    Ok(out)
}

/// Writes a string with an explicit bound `string x<max>`.
pub fn encode_string(v: &str, max: u32, enc: &mut Encoder) -> Result<(), XdrError> {
    enc.put_string(v, max)
}

/// Reads a string with an explicit bound `string x<max>`.
pub fn decode_string(dec: &mut Decoder<'_>, max: u32) -> Result<String, XdrError> {
    dec.get_string(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_padding_rounds_up_to_word() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(padded_len), [0, 4, 4, 4, 4, 8],);
    }

    #[test]
    fn test_from_bytes_exact_trailing_bytes_rejected() {
        let r = from_bytes_exact::<u32>(&[0, 0, 0, 1, 0]);
        assert!(matches!(r, Err(XdrError::TrailingBytes(1))));
    }

    #[test]
    fn test_from_bytes_trailing_bytes_allowed() {
        assert_eq!(from_bytes::<u32>(&[0, 0, 0, 1, 9]).unwrap(), 1);
    }
}
