//! The one error type of the codec.

/// Why a value could not be encoded or decoded.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XdrError {
    /// The input ended before the value did.
    #[error("Unexpected end of input: needed {needed} bytes, {remaining} left")]
    UnexpectedEof {
        /// Bytes the next item needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A length or element count is over the declared maximum.
    #[error("Length {len} exceeds maximum {max}")]
    TooLong {
        /// The length found (decode) or requested (encode).
        len: u64,
        /// The declared bound.
        max: u32,
    },
    /// An element count that cannot fit in the rest of the input.
    #[error("Count {count} cannot fit in {remaining} remaining bytes")]
    CountExceedsInput {
        /// The count read from the wire.
        count: u32,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A string that is not UTF-8.
    #[error("String is not valid UTF-8")]
    InvalidUtf8,
    /// An enum value or union discriminant that the type does not define.
    #[error("Unknown value {value} for {type_name}")]
    UnknownDiscriminant {
        /// The Rust type being decoded.
        type_name: &'static str,
        /// The value read from the wire.
        value: i32,
    },
    /// Bytes left after a value that must use the whole input.
    #[error("{0} trailing bytes after value")]
    TrailingBytes(usize),
    /// A value that the encoding cannot carry (e.g. a union arm without a discriminant).
    #[error("Invalid value: {0}")]
    Invalid(&'static str),
}
