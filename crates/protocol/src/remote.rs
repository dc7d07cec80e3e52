//! Program `REMOTE`: the args/ret/message types of every procedure and the typed
//! procedure enum [`RemoteProc`].
//!
//! The types are the generated ones (`crate::generated::remote`, produced from libvirt
//! 9.0's `remote_protocol.x` by `oxvirt-protocol-gen`): `remote_domain_get_info_args` is
//! [`DomainGetInfoArgs`], fields in snake case (`nrVirtCpu` → `nr_virt_cpu`); a procedure
//! whose args or ret is `void` uses `()`. The procedure list is the generated table too, so
//! every one of libvirt's procedures is typed here; which of them oxvirt serves is the
//! dispatcher's table (`oxvirt-rpc`).
//!
//! Wire details worth knowing when filling these in:
//! * `char x[N]` is `[i8; N]` and `char x<MAX>` is `Vec<i8>`: one 4-byte word per
//!   character. Security labels and models count the trailing NUL
//!   ([`c_chars`] builds such a vector from a `&str`).
//! * `unsigned char`/`unsigned short` fields (`DomainGetInfoRet::state`, `nr_virt_cpu`)
//!   still take a word each.

use oxvirt_xdr::{Decode, Encode, XdrError};

use crate::procedures::{ProcInfo, remote_proc};

pub use crate::generated::remote::*;

/// A C string as `char x<MAX>` carries it: the bytes plus a trailing NUL, one `i8` each.
pub fn c_chars(s: &str) -> Vec<i8> {
    s.bytes().map(|b| b as i8).chain([0]).collect()
}

/// The text of a `char x<MAX>` / `char x[N]` value: up to the first NUL, lossy UTF-8.
pub fn c_chars_to_string(chars: &[i8]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whether a procedure is a CALL answered by a REPLY, or a server-sent MESSAGE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcKind {
    /// CALL with args, REPLY with ret.
    Call,
    /// MESSAGE (event) whose body is the "args" type.
    Message,
}

macro_rules! remote_procedures {
    ($($num:literal => $variant:ident, $kind:ident, $args:ty, $ret:ty;)+) => {
        /// The `REMOTE` procedures oxvirt has types for. `as i32` is the wire number.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum RemoteProc {
            $(
                #[doc = concat!("Procedure ", stringify!($num), ".")]
                $variant = $num,
            )+
        }

        impl TryFrom<i32> for RemoteProc {
            type Error = i32;

            fn try_from(n: i32) -> Result<Self, i32> {
                match n {
                    $($num => Ok(Self::$variant),)+
                    other => Err(other),
                }
            }
        }

        impl RemoteProc {
            /// Every variant, in procedure-number order.
            pub const ALL: &'static [RemoteProc] = &[$(Self::$variant),+];

            /// Call/reply or event message.
            pub fn kind(self) -> ProcKind {
                match self {
                    $(Self::$variant => ProcKind::$kind,)+
                }
            }

            /// Decodes a CALL payload (or a MESSAGE body) as this procedure's args type
            /// and encodes it again. Used by golden tests and the fuzzer.
            pub fn reencode_args(self, payload: &[u8]) -> Result<Vec<u8>, XdrError> {
                match self {
                    $(Self::$variant => reencode::<$args>(payload),)+
                }
            }

            /// Decodes a successful REPLY payload as this procedure's ret type and encodes
            /// it again.
            pub fn reencode_ret(self, payload: &[u8]) -> Result<Vec<u8>, XdrError> {
                match self {
                    $(Self::$variant => reencode::<$ret>(payload),)+
                }
            }
        }

        /// One marker type per typed procedure, carrying its body types as a [`Procedure`],
        /// so that a dispatcher row naming the procedure gets its types from here.
        pub mod procs {
            use super::*;
            $(
                #[doc = concat!("Procedure ", stringify!($num), " (`", stringify!($variant), "`).")]
                #[derive(Debug, Clone, Copy)]
                pub struct $variant;

                impl Procedure for $variant {
                    const PROC: RemoteProc = RemoteProc::$variant;
                    type Args = $args;
                    type Ret = $ret;
                }
            )+
        }
    };
}

/// A typed procedure: its number and the types of its CALL and REPLY bodies (for a MESSAGE,
/// `Args` is the event body).
pub trait Procedure {
    /// The procedure.
    const PROC: RemoteProc;
    /// The CALL body (`()` for `void`).
    type Args: Encode + Decode + Send + 'static;
    /// The REPLY body (`()` for `void`).
    type Ret: Encode + Decode + Send + 'static;
}

fn reencode<T: Encode + Decode>(payload: &[u8]) -> Result<Vec<u8>, XdrError> {
    oxvirt_xdr::to_bytes(&oxvirt_xdr::from_bytes::<T>(payload)?)
}

impl RemoteProc {
    /// The wire number.
    pub fn number(self) -> i32 {
        self as i32
    }

    /// Table entry: REMOTE name, public API name, ACL, read-only safety.
    pub fn info(self) -> &'static ProcInfo {
        remote_proc(self as i32).unwrap_or_else(|| unreachable!("procedure table lacks {self:?}"))
    }
}

crate::generated::remote::remote_procedure_table!(remote_procedures);

#[cfg(test)]
mod tests {
    use oxvirt_xdr::to_bytes;

    use super::*;

    #[test]
    fn test_c_chars_counts_trailing_nul() {
        assert_eq!(c_chars("testSecurity").len(), 13);
    }

    #[test]
    fn test_c_chars_to_string_stops_at_nul() {
        assert_eq!(c_chars_to_string(&[b'i' as i8, b'6' as i8, 0, 9]), "i6");
    }

    #[test]
    fn test_node_get_info_model_is_128_bytes() {
        let ret = NodeGetInfoRet {
            model: [0; 32],
            memory: 0,
            cpus: 0,
            mhz: 0,
            nodes: 0,
            sockets: 0,
            cores: 0,
            threads: 0,
        };
        assert_eq!(to_bytes(&ret).unwrap().len(), 128 + 8 + 6 * 4);
    }

    #[test]
    fn test_remote_proc_try_from_unknown_fails() {
        assert_eq!(RemoteProc::try_from(9999), Err(9999));
    }

    #[test]
    fn test_remote_proc_types_every_procedure_of_the_table() {
        // Every procedure libvirt 9.0 numbers is typed (the generated table), in order.
        let numbers: Vec<i32> = RemoteProc::ALL.iter().map(|p| p.number()).collect();
        assert_eq!(numbers, (1..=443).collect::<Vec<_>>());
    }
}
