//! The reading half: [`Decoder`] walks a borrowed byte slice, checking every length before
//! trusting it.

use crate::{XdrError, padded_len};

/// Reads XDR items from a byte slice. Never panics; every read checks the remaining input.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread rest of the input.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Takes exactly `n` bytes, no padding.
    pub fn get_raw(&mut self, n: usize) -> Result<&'a [u8], XdrError> {
        let remaining = self.remaining();
        if n > remaining {
            return Err(XdrError::UnexpectedEof {
                needed: n,
                remaining,
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn get_array<const N: usize>(&mut self) -> Result<[u8; N], XdrError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.get_raw(N)?);
        Ok(out)
    }

    /// `unsigned int`.
    pub fn get_u32(&mut self) -> Result<u32, XdrError> {
        self.get_array().map(u32::from_be_bytes)
    }

    /// `int`.
    pub fn get_i32(&mut self) -> Result<i32, XdrError> {
        self.get_array().map(i32::from_be_bytes)
    }

    /// `unsigned hyper`.
    pub fn get_u64(&mut self) -> Result<u64, XdrError> {
        self.get_array().map(u64::from_be_bytes)
    }

    /// `hyper`.
    pub fn get_i64(&mut self) -> Result<i64, XdrError> {
        self.get_array().map(i64::from_be_bytes)
    }

    /// `double`.
    pub fn get_f64(&mut self) -> Result<f64, XdrError> {
        self.get_u64().map(f64::from_bits)
    }

    /// `float`.
    pub fn get_f32(&mut self) -> Result<f32, XdrError> {
        self.get_u32().map(f32::from_bits)
    }

    /// `bool`: any non-zero word is true (glibc's `xdr_bool`).
    pub fn get_bool(&mut self) -> Result<bool, XdrError> {
        self.get_u32().map(|v| v != 0)
    }

    /// Fixed-length opaque data: `n` bytes plus padding (padding contents not checked).
    pub fn get_bytes(&mut self, n: usize) -> Result<&'a [u8], XdrError> {
        let remaining = self.remaining();
        if padded_len(n) > remaining {
            return Err(XdrError::UnexpectedEof {
                needed: padded_len(n),
                remaining,
            });
        }
        let out = self.get_raw(n)?;
        self.pos += padded_len(n) - n;
        Ok(out)
    }

    /// A length word for opaque data or a string, checked against `max`.
    pub fn get_len(&mut self, max: u32) -> Result<usize, XdrError> {
        let n = self.get_u32()?;
        if n > max {
            return Err(XdrError::TooLong {
                len: u64::from(n),
                max,
            });
        }
        Ok(n as usize)
    }

    /// An element count for `T x<max>`, checked against `max` and against the input left
    /// when each element needs at least `elem_min` bytes.
    pub fn get_count(&mut self, max: u32, elem_min: usize) -> Result<usize, XdrError> {
        let n = self.get_len(max)?;
        let remaining = self.remaining();
        if elem_min > 0 && n.saturating_mul(elem_min) > remaining {
            return Err(XdrError::CountExceedsInput {
                count: n as u32,
                remaining,
            });
        }
        Ok(n)
    }

    /// Variable-length opaque data `opaque<max>`, borrowed.
    pub fn get_opaque(&mut self, max: u32) -> Result<&'a [u8], XdrError> {
        let n = self.get_len(max)?;
        self.get_bytes(n)
    }

    /// `string<max>`; must be UTF-8.
    pub fn get_string(&mut self, max: u32) -> Result<String, XdrError> {
        let bytes = self.get_opaque(max)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| XdrError::InvalidUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_get_string_short_input_fails() {
        let mut d = Decoder::new(b"\0\0\0\x05abc");
        assert!(matches!(
            d.get_string(100),
            Err(XdrError::UnexpectedEof {
                needed: 8,
                remaining: 3
            })
        ));
    }

    #[test]
    fn test_get_count_huge_count_fails_before_allocating() {
        let mut d = Decoder::new(&[0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            d.get_count(u32::MAX, 4),
            Err(XdrError::CountExceedsInput {
                count: 0xffff_fff0,
                remaining: 8
            })
        ));
    }

    #[test]
    fn test_get_bool_nonzero_is_true() {
        let mut d = Decoder::new(&[1, 0, 0, 0]);
        assert!(d.get_bool().unwrap());
    }

    #[test]
    fn test_get_string_invalid_utf8_fails() {
        let mut d = Decoder::new(&[0, 0, 0, 1, 0xff, 0, 0, 0]);
        assert_eq!(d.get_string(10), Err(XdrError::InvalidUtf8));
    }
}
