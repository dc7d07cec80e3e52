//! Framing: the only place that cuts packets out of a byte stream.
//!
//! A packet is a big-endian length word (counting itself), a 24-byte header and the
//! payload. The length is checked before the buffer grows for it: a word outside
//! `28..=PACKET_MAX` ends the connection without a reply, as libvirtd does.
//!
//! [`FrameReader::next_frame`] is cancel-safe: everything read so far stays in the
//! reader's buffer, so the connection loop can race it against timers (keepalive) without
//! ever losing part of a packet. One `read` usually brings a whole packet, or several
//! pipelined ones.

use bytes::{Buf, Bytes, BytesMut};
use oxvirt_protocol::{HEADER_LEN, Header, LEN_WORD, ProtocolError, check_length};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Why reading a frame failed; every variant ends the connection.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The socket failed.
    #[error("Cannot read packet")]
    Io(#[from] std::io::Error),
    /// The length word or header is unacceptable.
    #[error("Invalid packet")]
    Protocol(#[from] ProtocolError),
    /// The peer closed the stream in the middle of a packet.
    #[error("Connection closed in the middle of a packet")]
    Truncated,
}

/// One packet cut from the stream.
#[derive(Debug)]
pub struct Frame {
    /// The decoded header.
    pub header: Header,
    /// Header and payload as read (the length word is not kept).
    buf: Bytes,
}

impl Frame {
    /// The payload bytes after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buf[HEADER_LEN..]
    }
}

/// Reads packets from one stream.
#[derive(Debug)]
pub struct FrameReader<R> {
    rd: R,
    buf: BytesMut,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader with a 64 KiB buffer (libvirt's initial client buffer size).
    pub fn new(rd: R) -> Self {
        Self {
            rd,
            buf: BytesMut::with_capacity(64 * 1024),
        }
    }

    /// The next packet; `Ok(None)` is a clean end of stream between packets.
    pub async fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(Some(frame));
            }
            if self.rd.read_buf(&mut self.buf).await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        }
    }

    /// Cuts one complete packet off the buffer, or makes room for the rest of it.
    fn parse(&mut self) -> Result<Option<Frame>, FrameError> {
        let Some(word) = self.buf.first_chunk::<LEN_WORD>() else {
            return Ok(None);
        };
        let len = check_length(*word)? as usize;
        if self.buf.len() < len {
            self.buf.reserve(len - self.buf.len());
            return Ok(None);
        }
        self.buf.advance(LEN_WORD);
        let rest = self.buf.split_to(len - LEN_WORD).freeze();
        let header = Header::decode(&rest)?;
        Ok(Some(Frame { header, buf: rest }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxvirt_protocol::{KeepaliveProc, encode_packet_raw};

    fn ping() -> Vec<u8> {
        encode_packet_raw(&Header::keepalive(KeepaliveProc::Ping), &[]).unwrap()
    }

    #[tokio::test]
    async fn test_next_frame_splits_pipelined_packets() {
        let bytes = [ping(), ping()].concat();
        let mut r = FrameReader::new(&bytes[..]);
        assert!(r.next_frame().await.unwrap().is_some());
        assert!(r.next_frame().await.unwrap().is_some());
        assert!(r.next_frame().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn test_next_frame_oversize_length_is_an_error() {
        let bytes = 0x0200_0005u32.to_be_bytes();
        let mut r = FrameReader::new(&bytes[..]);
        assert!(matches!(r.next_frame().await, Err(FrameError::Protocol(_))));
    }

    #[tokio::test]
    async fn test_next_frame_eof_inside_packet_is_truncated() {
        let p = ping();
        let mut r = FrameReader::new(&p[..10]);
        assert!(matches!(r.next_frame().await, Err(FrameError::Truncated)));
    }
}
