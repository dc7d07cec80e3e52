//! `Encode`/`Decode` for the standard types that have one XDR meaning.
//!
//! `Vec<T>` is deliberately absent: every XDR variable array has a bound, so it is only
//! encoded through a field with `#[xdr(max = N)]` (see [`crate::encode_array`]).

use crate::{Decode, Decoder, Encode, Encoder, STRING_MAX, XdrError};

macro_rules! word_int {
    ($($t:ty => $put:ident, $get:ident, $wide:ty);+ $(;)?) => {$(
        impl Encode for $t {
            fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
                enc.$put(<$wide>::from(*self));
                Ok(())
            }
        }

        impl Decode for $t {
            const WIRE_MIN: usize = 4;

            fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
                // Narrow types keep the low bits of their word, like glibc.
                #[allow(clippy::cast_possible_truncation)]
                dec.$get().map(|v| v as $t)
            }
        }
    )+};
}

word_int! {
    i8 => put_i32, get_i32, i32;
    u8 => put_u32, get_u32, u32;
    i16 => put_i32, get_i32, i32;
    u16 => put_u32, get_u32, u32;
    i32 => put_i32, get_i32, i32;
    u32 => put_u32, get_u32, u32;
}

macro_rules! plain {
    ($($t:ty => $put:ident, $get:ident, $min:expr);+ $(;)?) => {$(
        impl Encode for $t {
            fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
                enc.$put(*self);
                Ok(())
            }
        }

        impl Decode for $t {
            const WIRE_MIN: usize = $min;

            fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
                dec.$get()
            }
        }
    )+};
}

plain! {
    i64 => put_i64, get_i64, 8;
    u64 => put_u64, get_u64, 8;
    f32 => put_f32, get_f32, 4;
    f64 => put_f64, get_f64, 8;
    bool => put_bool, get_bool, 4;
}

impl Encode for str {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        enc.put_string(self, STRING_MAX)
    }
}

impl Encode for String {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        enc.put_string(self, STRING_MAX)
    }
}

impl Decode for String {
    const WIRE_MIN: usize = 4;

    fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
        dec.get_string(STRING_MAX)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        match self {
            Some(v) => {
                enc.put_u32(1);
                v.encode(enc)
            }
            None => {
                enc.put_u32(0);
                Ok(())
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    const WIRE_MIN: usize = 4;

    fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
        // Any non-zero discriminant means present (go-libvirt sends 0x01000000).
        if dec.get_u32()? != 0 {
            T::decode(dec).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        self.iter().try_for_each(|x| x.encode(enc))
    }
}

impl<T: Decode, const N: usize> Decode for [T; N] {
    const WIRE_MIN: usize = T::WIRE_MIN.saturating_mul(N);

    fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
        let remaining = dec.remaining();
        if Self::WIRE_MIN > remaining {
            return Err(XdrError::UnexpectedEof {
                needed: Self::WIRE_MIN,
                remaining,
            });
        }
        let mut items = Vec::with_capacity(N);
        for _ in 0..N {
            items.push(T::decode(dec)?);
        }
        items
            .try_into()
            .map_err(|_| XdrError::Invalid("fixed array length"))
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        (**self).encode(enc)
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self, enc: &mut Encoder) -> Result<(), XdrError> {
        (**self).encode(enc)
    }
}

impl<T: Decode> Decode for Box<T> {
    const WIRE_MIN: usize = T::WIRE_MIN;

    fn decode(dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
        T::decode(dec).map(Box::new)
    }
}

impl Encode for () {
    fn encode(&self, _enc: &mut Encoder) -> Result<(), XdrError> {
        Ok(())
    }
}

impl Decode for () {
    fn decode(_dec: &mut Decoder<'_>) -> Result<Self, XdrError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{from_bytes, to_bytes};

    #[test]
    fn test_i8_sign_extends_to_word() {
        assert_eq!(to_bytes(&-1i8).unwrap(), vec![0xff; 4]);
    }

    #[test]
    fn test_u16_takes_a_word() {
        assert_eq!(to_bytes(&0x1234u16).unwrap(), vec![0, 0, 0x12, 0x34]);
    }

    #[test]
    fn test_char_array_is_a_word_per_char() {
        let model: [i8; 4] = [b'i' as i8, b'6' as i8, 0, 0];
        assert_eq!(
            to_bytes(&model).unwrap(),
            vec![0, 0, 0, 0x69, 0, 0, 0, 0x36, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn test_option_nonzero_discriminant_is_present() {
        let v: Option<u32> = from_bytes(&[1, 0, 0, 0, 0, 0, 0, 7]).unwrap();
        assert_eq!(v, Some(7));
    }

    #[test]
    fn test_option_none_is_zero_word() {
        assert_eq!(to_bytes(&None::<String>).unwrap(), vec![0; 4]);
    }

    #[test]
    fn test_fixed_array_short_input_fails_fast() {
        let r = from_bytes::<[u64; 1000]>(&[0; 16]);
        assert!(r.is_err());
    }
}
