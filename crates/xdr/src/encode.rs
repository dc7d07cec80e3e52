//! The writing half: [`Encoder`] appends canonical XDR words to a `Vec<u8>`.

use crate::{XdrError, padding};

/// Appends XDR items to a byte buffer. Every `put_*` leaves the buffer length a multiple
/// of 4 if it was one before.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// An encoder over an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// An encoder that appends to `buf` (e.g. one that already holds a packet header).
    pub fn with_buffer(buf: Vec<u8>) -> Self {
        Self { buf }
    }

    /// The bytes written so far.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    /// The bytes written so far, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Number of bytes in the buffer.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Mutable access to the buffer, e.g. to patch a length word after the fact.
    pub fn buffer_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// `unsigned int`.
    pub fn put_u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `int`.
    pub fn put_i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `unsigned hyper`.
    pub fn put_u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `hyper`.
    pub fn put_i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// `double`.
    pub fn put_f64(&mut self, v: f64) {
        self.put_u64(v.to_bits());
    }

    /// `float`.
    pub fn put_f32(&mut self, v: f32) {
        self.put_u32(v.to_bits());
    }

    /// `bool`: 1 or 0.
    pub fn put_bool(&mut self, v: bool) {
        self.put_u32(u32::from(v));
    }

    /// Fixed-length opaque data: the bytes, then zero padding to a word. No length word.
    pub fn put_bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
        self.buf.resize(self.buf.len() + padding(v.len()), 0);
    }

    /// Raw bytes with no padding (for framing code, not XDR items).
    pub fn put_raw(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// A length or count word, refusing values over `max`.
    pub fn put_len(&mut self, len: usize, max: u32) -> Result<(), XdrError> {
        match u32::try_from(len) {
            Ok(n) if n <= max => {
                self.put_u32(n);
                Ok(())
            }
            _ => Err(XdrError::TooLong {
                len: len as u64,
                max,
            }),
        }
    }

    /// Variable-length opaque data `opaque<max>`: length, bytes, padding.
    pub fn put_opaque(&mut self, v: &[u8], max: u32) -> Result<(), XdrError> {
        self.put_len(v.len(), max)?;
        self.put_bytes(v);
        Ok(())
    }

    /// `string<max>`: length, UTF-8 bytes, padding.
    pub fn put_string(&mut self, v: &str, max: u32) -> Result<(), XdrError> {
        self.put_opaque(v.as_bytes(), max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_put_string_pads_with_zeros() {
        let mut e = Encoder::new();
        e.put_string("i686", 10).unwrap();
        e.put_string("abcde", 10).unwrap();
        assert_eq!(
            e.into_inner(),
            b"\0\0\0\x04i686\0\0\0\x05abcde\0\0\0".to_vec()
        );
    }

    #[test]
    fn test_put_string_over_max_fails() {
        let mut e = Encoder::new();
        let r = e.put_string("abc", 2);
        assert_eq!(r, Err(XdrError::TooLong { len: 3, max: 2 }));
    }

    #[test]
    fn test_with_buffer_appends() {
        let mut e = Encoder::with_buffer(vec![9; 4]);
        e.put_i32(-1);
        assert_eq!(e.into_inner(), vec![9, 9, 9, 9, 0xff, 0xff, 0xff, 0xff]);
    }
}
