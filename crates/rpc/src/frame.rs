//! Framing: the only place that reads packets off a stream.
//!
//! A packet is a big-endian length word (counting itself), a 24-byte header and the
//! payload. The length is checked before anything is allocated: a word outside
//! `28..=PACKET_MAX` ends the connection without a reply, as libvirtd does.

use oxvirt_protocol::{Header, LEN_WORD, ProtocolError, check_length};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Why reading a frame failed; every variant ends the connection.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The socket failed or closed in the middle of a packet.
    #[error("Cannot read packet")]
    Io(#[from] std::io::Error),
    /// The length word or header is unacceptable.
    #[error("Invalid packet")]
    Protocol(#[from] ProtocolError),
}

/// One packet cut from the stream.
#[derive(Debug)]
pub struct Frame {
    /// The decoded header.
    pub header: Header,
    /// Header and payload as read (the length word is not kept).
    buf: Vec<u8>,
}

impl Frame {
    /// The payload bytes after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buf[oxvirt_protocol::HEADER_LEN..]
    }
}

/// Reads the next packet. `Ok(None)` is a clean end of stream between packets.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<Frame>, FrameError> {
    let mut word = [0u8; LEN_WORD];
    match r.read_exact(&mut word).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = check_length(word)? as usize;
    let mut rest = vec![0u8; len - LEN_WORD];
    r.read_exact(&mut rest).await?;
    let header = Header::decode(&rest)?;
    Ok(Some(Frame { header, buf: rest }))
}
