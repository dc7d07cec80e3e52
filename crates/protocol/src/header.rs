//! The 24-byte packet header and whole-packet framing helpers.

use oxvirt_xdr::{Decoder, Encode, Encoder};

use crate::{
    HEADER_LEN, KEEPALIVE_PROGRAM, KEEPALIVE_VERSION, LEN_WORD, PACKET_MAX, PACKET_MIN,
    ProtocolError,
};

/// `virNetMessageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum MessageType {
    /// Client to server call.
    Call = 0,
    /// Server reply to a call.
    Reply = 1,
    /// Asynchronous message (events, keepalive).
    Message = 2,
    /// Stream data or control.
    Stream = 3,
    /// Call followed by file descriptors.
    CallWithFds = 4,
    /// Reply followed by file descriptors.
    ReplyWithFds = 5,
    /// Sparse stream hole.
    StreamHole = 6,
}

impl MessageType {
    /// The variant for a wire number.
    pub fn from_i32(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Call,
            1 => Self::Reply,
            2 => Self::Message,
            3 => Self::Stream,
            4 => Self::CallWithFds,
            5 => Self::ReplyWithFds,
            6 => Self::StreamHole,
            _ => return None,
        })
    }
}

/// `virNetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum MessageStatus {
    /// Success; the payload is the ret struct (or args for calls).
    Ok = 0,
    /// Failure; the payload is a `RemoteError`.
    Error = 1,
    /// Stream data follows (raw bytes).
    Continue = 2,
}

impl MessageStatus {
    /// The variant for a wire number.
    pub fn from_i32(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Ok,
            1 => Self::Error,
            2 => Self::Continue,
            _ => return None,
        })
    }
}

/// A packet header as it is on the wire. `msg_type` and `status` keep the raw numbers a
/// peer sent, so that a packet with unknown values can still be answered; use
/// [`Header::kind`] and [`Header::status_kind`] for the typed view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Program id (`REMOTE_PROGRAM`, …).
    pub program: u32,
    /// Program version (1).
    pub version: u32,
    /// Procedure number within the program.
    pub procedure: i32,
    /// Raw `virNetMessageType`.
    pub msg_type: i32,
    /// Call serial, echoed in replies.
    pub serial: u32,
    /// Raw `virNetMessageStatus`.
    pub status: i32,
}

impl Header {
    /// A header from typed parts.
    pub fn new(
        program: u32,
        version: u32,
        procedure: i32,
        msg_type: MessageType,
        serial: u32,
        status: MessageStatus,
    ) -> Self {
        Self {
            program,
            version,
            procedure,
            msg_type: msg_type as i32,
            serial,
            status: status as i32,
        }
    }

    /// A CALL of `procedure` in `program` version 1.
    pub fn call(program: u32, procedure: i32, serial: u32) -> Self {
        Self::new(
            program,
            1,
            procedure,
            MessageType::Call,
            serial,
            MessageStatus::Ok,
        )
    }

    /// The reply header for this call: same program, version, procedure and serial.
    pub fn reply(&self, status: MessageStatus) -> Self {
        Self {
            msg_type: MessageType::Reply as i32,
            status: status as i32,
            ..*self
        }
    }

    /// An asynchronous MESSAGE (event) of `program`. The reference daemon sends events
    /// with serial 1 and keepalives with serial 0.
    pub fn message(program: u32, procedure: i32, serial: u32) -> Self {
        Self::new(
            program,
            1,
            procedure,
            MessageType::Message,
            serial,
            MessageStatus::Ok,
        )
    }

    /// A keepalive PING or PONG.
    pub fn keepalive(proc: crate::KeepaliveProc) -> Self {
        Self::new(
            KEEPALIVE_PROGRAM,
            KEEPALIVE_VERSION,
            proc as i32,
            MessageType::Message,
            0,
            MessageStatus::Ok,
        )
    }

    /// The message type, if it is one libvirt defines.
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::from_i32(self.msg_type)
    }

    /// The status, if it is one libvirt defines.
    pub fn status_kind(&self) -> Option<MessageStatus> {
        MessageStatus::from_i32(self.status)
    }

    /// Reads a header from the first 24 bytes of `buf` (the bytes after the length word).
    pub fn decode(buf: &[u8]) -> Result<Self, ProtocolError> {
        if buf.len() < HEADER_LEN {
            return Err(ProtocolError::ShortHeader(buf.len()));
        }
        let mut d = Decoder::new(&buf[..HEADER_LEN]);
        Ok(Self {
            program: d.get_u32()?,
            version: d.get_u32()?,
            procedure: d.get_i32()?,
            msg_type: d.get_i32()?,
            serial: d.get_u32()?,
            status: d.get_i32()?,
        })
    }

    /// Appends the 24 header bytes to `enc`.
    pub fn encode_into(&self, enc: &mut Encoder) {
        enc.put_u32(self.program);
        enc.put_u32(self.version);
        enc.put_i32(self.procedure);
        enc.put_i32(self.msg_type);
        enc.put_u32(self.serial);
        enc.put_i32(self.status);
    }

    /// The 24 header bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut enc = Encoder::with_buffer(Vec::with_capacity(HEADER_LEN));
        self.encode_into(&mut enc);
        let mut out = [0u8; HEADER_LEN];
        out.copy_from_slice(enc.as_bytes());
        out
    }
}

/// Validates a length word: `PACKET_MIN..=PACKET_MAX`. On error the connection must be
/// dropped without a reply (that is what the reference daemon does).
pub fn check_length(word: [u8; LEN_WORD]) -> Result<u32, ProtocolError> {
    match u32::from_be_bytes(word) {
        n if n < PACKET_MIN => Err(ProtocolError::PacketTooShort(n)),
        n if n > PACKET_MAX => Err(ProtocolError::PacketTooLong(n as usize)),
        n => Ok(n),
    }
}

/// Splits a whole packet (length word included) into its header and payload.
pub fn split_packet(packet: &[u8]) -> Result<(Header, &[u8]), ProtocolError> {
    let Some((word, rest)) = packet.split_first_chunk::<LEN_WORD>() else {
        return Err(ProtocolError::ShortHeader(packet.len()));
    };
    let len = check_length(*word)?;
    if len as usize != packet.len() {
        return Err(ProtocolError::LengthMismatch {
            declared: len,
            actual: packet.len(),
        });
    }
    let header = Header::decode(rest)?;
    Ok((header, &rest[HEADER_LEN..]))
}

/// Builds a whole packet: length word, header, XDR payload. Fails if the result would
/// exceed [`PACKET_MAX`] (the caller then sends an error reply instead).
pub fn encode_packet<T: Encode + ?Sized>(
    header: &Header,
    payload: &T,
) -> Result<Vec<u8>, ProtocolError> {
    let mut enc = Encoder::with_buffer(Vec::with_capacity(256));
    enc.put_u32(0);
    header.encode_into(&mut enc);
    payload.encode(&mut enc)?;
    finish(enc.into_inner())
}

/// Builds a whole packet around an already-encoded (or raw stream) payload.
pub fn encode_packet_raw(header: &Header, payload: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut enc = Encoder::with_buffer(Vec::with_capacity(LEN_WORD + HEADER_LEN + payload.len()));
    enc.put_u32(0);
    header.encode_into(&mut enc);
    enc.put_raw(payload);
    finish(enc.into_inner())
}

fn finish(mut buf: Vec<u8>) -> Result<Vec<u8>, ProtocolError> {
    let len = buf.len();
    match u32::try_from(len) {
        Ok(n) if n <= PACKET_MAX => {
            buf[..LEN_WORD].copy_from_slice(&n.to_be_bytes());
            Ok(buf)
        }
        _ => Err(ProtocolError::PacketTooLong(len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeepaliveProc, REMOTE_PROGRAM};

    #[test]
    fn test_keepalive_ping_matches_captured_bytes() {
        let pkt = encode_packet(&Header::keepalive(KeepaliveProc::Ping), &()).unwrap();
        assert_eq!(
            pkt,
            [
                0, 0, 0, 0x1c, 0x6b, 0x65, 0x65, 0x70, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0,
                0, 0, 0, 0, 0
            ]
        );
    }

    #[test]
    fn test_header_unknown_type_kept_raw() {
        let mut raw = Header::call(REMOTE_PROGRAM, 1, 5).encode();
        raw[12..16].copy_from_slice(&9i32.to_be_bytes());
        let h = Header::decode(&raw).unwrap();
        assert_eq!((h.msg_type, h.kind()), (9, None));
    }

    #[test]
    fn test_reply_echoes_call() {
        let call = Header::call(0x1234_5678, 7, 42);
        let reply = call.reply(MessageStatus::Error);
        assert_eq!(
            (
                reply.program,
                reply.procedure,
                reply.serial,
                reply.msg_type,
                reply.status
            ),
            (0x1234_5678, 7, 42, 1, 1)
        );
    }

    #[test]
    fn test_check_length_oversize_rejected() {
        assert!(matches!(
            check_length((PACKET_MAX + 1).to_be_bytes()),
            Err(ProtocolError::PacketTooLong(_))
        ));
    }

    #[test]
    fn test_check_length_below_header_rejected() {
        assert!(matches!(
            check_length(27u32.to_be_bytes()),
            Err(ProtocolError::PacketTooShort(27))
        ));
    }

    #[test]
    fn test_split_packet_round_trips_encode_packet() {
        let h = Header::call(REMOTE_PROGRAM, 60, 1);
        let pkt = encode_packet(&h, &10i32).unwrap();
        let (back, payload) = split_packet(&pkt).unwrap();
        assert_eq!((back, payload), (h, &[0u8, 0, 0, 10][..]));
    }
}
