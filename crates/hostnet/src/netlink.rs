//! rtnetlink (`NETLINK_ROUTE`) messages as bytes: building the few link requests this crate
//! sends and parsing the kernel's answers. Pure functions, no I/O; the socket that carries
//! them lives in [`crate::linux`].
//!
//! Layout (all integers in host byte order, every element 4-byte aligned):
//!
//! ```text
//! nlmsghdr  { u32 len; u16 type; u16 flags; u32 seq; u32 pid }          16 bytes
//! ifinfomsg { u8 family; u8 pad; u16 type; i32 index; u32 flags; u32 change } 16 bytes
//! rtattr    { u16 len; u16 type; data… }  len = 4 + data (padding not counted)
//! nlmsgerr  { i32 error; nlmsghdr request; [request payload]; [ext-ack attrs] }
//! ```

// Message types and flags (linux/netlink.h, linux/rtnetlink.h).
pub(crate) const NLMSG_NOOP: u16 = 1;
pub(crate) const NLMSG_ERROR: u16 = 2;
pub(crate) const NLMSG_DONE: u16 = 3;
pub(crate) const NLMSG_OVERRUN: u16 = 4;
pub(crate) const RTM_NEWLINK: u16 = 16;
pub(crate) const RTM_DELLINK: u16 = 17;
pub(crate) const RTM_GETLINK: u16 = 18;
pub(crate) const RTM_SETLINK: u16 = 19;

pub(crate) const NLM_F_REQUEST: u16 = 0x1;
pub(crate) const NLM_F_ACK: u16 = 0x4;
pub(crate) const NLM_F_EXCL: u16 = 0x200;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
/// On an `NLMSG_ERROR`: the request's payload was not echoed back.
pub(crate) const NLM_F_CAPPED: u16 = 0x100;
/// On an `NLMSG_ERROR`: extended-ack attributes follow the echoed request.
pub(crate) const NLM_F_ACK_TLVS: u16 = 0x200;

// Link attributes (linux/if_link.h).
pub(crate) const IFLA_ADDRESS: u16 = 1;
pub(crate) const IFLA_IFNAME: u16 = 3;
pub(crate) const IFLA_MTU: u16 = 4;
pub(crate) const IFLA_MASTER: u16 = 10;
pub(crate) const IFLA_LINKINFO: u16 = 18;
pub(crate) const IFLA_EXT_MASK: u16 = 29;
pub(crate) const IFLA_INFO_KIND: u16 = 1;
/// `RTEXT_FILTER_SKIP_STATS`: leave the (large) statistics out of a link dump.
pub(crate) const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;

/// `NLMSGERR_ATTR_MSG`: the kernel's human-readable reason in an extended ack.
pub(crate) const NLMSGERR_ATTR_MSG: u16 = 1;

const NLA_F_NESTED: u16 = 0x8000;
const NLA_TYPE_MASK: u16 = 0x3fff;

pub(crate) const AF_UNSPEC: u8 = 0;
/// `IFF_UP` in `ifi_flags` / `ifi_change`.
pub(crate) const IFF_UP: u32 = 0x1;

pub(crate) const NLMSG_HDRLEN: usize = 16;
pub(crate) const IFINFOMSG_LEN: usize = 16;
const RTA_HDRLEN: usize = 4;

/// Rounds `n` up to netlink's 4-byte alignment (`NLMSG_ALIGN`, `RTA_ALIGN`).
pub(crate) const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// The kernel's answer made no sense; the text says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub String);

fn malformed<T>(what: impl Into<String>) -> Result<T, Malformed> {
    Err(Malformed(what.into()))
}

/// A decoded `nlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NlHeader {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

impl NlHeader {
    fn parse(b: &[u8]) -> Result<Self, Malformed> {
        if b.len() < NLMSG_HDRLEN {
            return malformed(format!("netlink header of {} bytes", b.len()));
        }
        Ok(Self {
            len: u32_at(b, 0),
            ty: u16_at(b, 4),
            flags: u16_at(b, 6),
            seq: u32_at(b, 8),
            pid: u32_at(b, 12),
        })
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Which link a request is about: by name (`IFLA_IFNAME`) or by index (`ifi_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkRef<'a> {
    Name(&'a str),
    Index(u32),
}

/// The changes one `RTM_SETLINK` applies; `None` leaves that property alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LinkChange {
    pub mtu: Option<u32>,
    /// The master's ifindex; 0 detaches from the current master.
    pub master: Option<u32>,
    pub address: Option<[u8; 6]>,
    pub up: Option<bool>,
}

/// Builds one netlink message: header, family header, attributes (possibly nested).
#[derive(Debug)]
pub(crate) struct MessageBuilder {
    buf: Vec<u8>,
}

impl MessageBuilder {
    pub(crate) fn new(ty: u16, flags: u16, seq: u32) -> Self {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set by finish()
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel fills in ours
        Self { buf }
    }

    /// Appends an `ifinfomsg` (AF_UNSPEC, any type).
    pub(crate) fn ifinfo(&mut self, index: u32, flags: u32, change: u32) -> &mut Self {
        self.buf.push(AF_UNSPEC);
        self.buf.push(0);
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&change.to_ne_bytes());
        self
    }

    /// Appends one attribute, padded to 4 bytes.
    pub(crate) fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = RTA_HDRLEN + data.len();
        let len16 = u16::try_from(len).expect("netlink attribute over 64 KiB");
        self.buf.extend_from_slice(&len16.to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
        self
    }

    pub(crate) fn attr_u32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.attr(ty, &v.to_ne_bytes())
    }

    /// A C string attribute: the bytes and a terminating NUL.
    pub(crate) fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut data = Vec::with_capacity(s.len() + 1);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
        self.attr(ty, &data)
    }

    /// Opens a nested attribute; close it with [`Self::nest_end`] and the returned offset.
    pub(crate) fn nest_start(&mut self, ty: u16) -> usize {
        let at = self.buf.len();
        self.buf.extend_from_slice(&0u16.to_ne_bytes());
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        at
    }

    pub(crate) fn nest_end(&mut self, at: usize) -> &mut Self {
        let len = u16::try_from(self.buf.len() - at).expect("nested attribute over 64 KiB");
        self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    fn pad(&mut self) {
        let aligned = align4(self.buf.len());
        self.buf.resize(aligned, 0);
    }

    /// The finished message with its length filled in.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let len = u32::try_from(self.buf.len()).expect("netlink message over 4 GiB");
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

fn link_request(ty: u16, flags: u16, seq: u32, link: LinkRef<'_>) -> MessageBuilder {
    let mut m = MessageBuilder::new(ty, flags, seq);
    match link {
        LinkRef::Index(i) => {
            m.ifinfo(i, 0, 0);
        }
        LinkRef::Name(n) => {
            m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, n);
        }
    }
    m
}

/// `RTM_GETLINK` for one link, statistics left out; answered by one `RTM_NEWLINK` and an ack.
pub(crate) fn get_link(seq: u32, link: LinkRef<'_>) -> Vec<u8> {
    let mut m = link_request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, seq, link);
    m.attr_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    m.finish()
}

/// `RTM_SETLINK` applying `change` to one link.
pub(crate) fn set_link(seq: u32, link: LinkRef<'_>, change: &LinkChange) -> Vec<u8> {
    let mut m = MessageBuilder::new(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
    let (index, name) = match link {
        LinkRef::Index(i) => (i, None),
        LinkRef::Name(n) => (0, Some(n)),
    };
    let (flags, mask) = match change.up {
        Some(true) => (IFF_UP, IFF_UP),
        Some(false) => (0, IFF_UP),
        None => (0, 0),
    };
    m.ifinfo(index, flags, mask);
    if let Some(n) = name {
        m.attr_str(IFLA_IFNAME, n);
    }
    if let Some(addr) = change.address {
        m.attr(IFLA_ADDRESS, &addr);
    }
    if let Some(mtu) = change.mtu {
        m.attr_u32(IFLA_MTU, mtu);
    }
    if let Some(master) = change.master {
        m.attr_u32(IFLA_MASTER, master);
    }
    m.finish()
}

/// `RTM_DELLINK` for one link.
pub(crate) fn del_link(seq: u32, link: LinkRef<'_>) -> Vec<u8> {
    link_request(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, link).finish()
}

/// `RTM_NEWLINK` creating a link of `kind` (`IFLA_LINKINFO { IFLA_INFO_KIND }`), failing if
/// the name is taken.
pub(crate) fn new_link(seq: u32, name: &str, kind: &str) -> Vec<u8> {
    let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    let mut m = MessageBuilder::new(RTM_NEWLINK, flags, seq);
    m.ifinfo(0, 0, 0).attr_str(IFLA_IFNAME, name);
    let nest = m.nest_start(IFLA_LINKINFO);
    m.attr_str(IFLA_INFO_KIND, kind);
    m.nest_end(nest);
    m.finish()
}

/// Splits a datagram into its messages (header and payload each).
pub(crate) fn split_messages(mut buf: &[u8]) -> Result<Vec<(NlHeader, &[u8])>, Malformed> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let hdr = NlHeader::parse(buf)?;
        let len = hdr.len as usize;
        if len < NLMSG_HDRLEN || len > buf.len() {
            return malformed(format!(
                "message length {len} with {} bytes left",
                buf.len()
            ));
        }
        out.push((hdr, &buf[NLMSG_HDRLEN..len]));
        buf = buf.get(align4(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

/// One attribute: its type without the NESTED/BYTEORDER bits, whether it is nested, data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    pub ty: u16,
    pub nested: bool,
    pub data: &'a [u8],
}

/// Splits an attribute area into attributes, unknown types included.
pub(crate) fn parse_attrs(mut buf: &[u8]) -> Result<Vec<Attr<'_>>, Malformed> {
    let mut out = Vec::new();
    while buf.len() >= RTA_HDRLEN {
        let len = u16_at(buf, 0) as usize;
        let raw_ty = u16_at(buf, 2);
        if len < RTA_HDRLEN || len > buf.len() {
            return malformed(format!(
                "attribute {raw_ty:#x} of length {len} with {} bytes left",
                buf.len()
            ));
        }
        out.push(Attr {
            ty: raw_ty & NLA_TYPE_MASK,
            nested: raw_ty & NLA_F_NESTED != 0,
            data: &buf[RTA_HDRLEN..len],
        });
        buf = buf.get(align4(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

fn attr_u32(a: &Attr<'_>, name: &str) -> Result<u32, Malformed> {
    match a.data.try_into() {
        Ok(b) => Ok(u32::from_ne_bytes(b)),
        Err(_) => malformed(format!("{name} of {} bytes", a.data.len())),
    }
}

/// A C string attribute: up to the first NUL.
fn attr_string(a: &Attr<'_>) -> String {
    let end = a.data.iter().position(|&b| b == 0).unwrap_or(a.data.len());
    String::from_utf8_lossy(&a.data[..end]).into_owned()
}

/// What this crate reads from an `RTM_NEWLINK`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LinkMsg {
    pub index: u32,
    pub flags: u32,
    pub name: Option<String>,
    pub mtu: Option<u32>,
    /// The master's ifindex (absent when the link has none).
    pub master: Option<u32>,
    pub address: Option<Vec<u8>>,
    /// `IFLA_LINKINFO` / `IFLA_INFO_KIND`: "bridge", "tun", "veth"…
    pub kind: Option<String>,
}

/// Parses an `RTM_NEWLINK` payload (ifinfomsg + attributes).
pub(crate) fn parse_link(payload: &[u8]) -> Result<LinkMsg, Malformed> {
    if payload.len() < IFINFOMSG_LEN {
        return malformed(format!("ifinfomsg of {} bytes", payload.len()));
    }
    let mut link = LinkMsg {
        index: u32_at(payload, 4),
        flags: u32_at(payload, 8),
        ..LinkMsg::default()
    };
    for a in parse_attrs(&payload[IFINFOMSG_LEN..])? {
        match a.ty {
            IFLA_IFNAME => link.name = Some(attr_string(&a)),
            IFLA_MTU => link.mtu = Some(attr_u32(&a, "IFLA_MTU")?),
            IFLA_MASTER => link.master = Some(attr_u32(&a, "IFLA_MASTER")?).filter(|&m| m != 0),
            IFLA_ADDRESS => link.address = Some(a.data.to_vec()),
            IFLA_LINKINFO => {
                for info in parse_attrs(a.data)? {
                    if info.ty == IFLA_INFO_KIND {
                        link.kind = Some(attr_string(&info));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(link)
}

/// An `NLMSG_ERROR` decoded: `errno` is positive, 0 for a plain ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NlErr {
    pub errno: i32,
    /// The kernel's extended-ack text, when it sent one.
    pub msg: Option<String>,
}

/// Parses an `NLMSG_ERROR` payload; `flags` are the error message's own header flags.
pub(crate) fn parse_error(flags: u16, payload: &[u8]) -> Result<NlErr, Malformed> {
    if payload.len() < 4 + NLMSG_HDRLEN {
        return malformed(format!("nlmsgerr of {} bytes", payload.len()));
    }
    let error = i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]);
    let errno = error.checked_neg().filter(|e| *e >= 0);
    let Some(errno) = errno else {
        return malformed(format!("nlmsgerr error {error}"));
    };
    let echoed = NlHeader::parse(&payload[4..])?;
    let mut rest = 4 + NLMSG_HDRLEN;
    if flags & NLM_F_CAPPED == 0 {
        // The whole request was echoed: skip its payload too.
        rest = 4 + align4(echoed.len as usize);
    }
    let mut msg = None;
    if flags & NLM_F_ACK_TLVS != 0 {
        let Some(tlvs) = payload.get(rest..) else {
            return malformed("extended ack past the end of nlmsgerr");
        };
        for a in parse_attrs(tlvs)? {
            if a.ty == NLMSGERR_ATTR_MSG {
                msg = Some(attr_string(&a));
            }
        }
    }
    Ok(NlErr { errno, msg })
}

/// Why a request failed, before the caller words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyError {
    /// The kernel refused: positive errno and its extended-ack text.
    Kernel(NlErr),
    Malformed(Malformed),
}

impl From<Malformed> for ReplyError {
    fn from(m: Malformed) -> Self {
        Self::Malformed(m)
    }
}

/// Where a request stands after one datagram of its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Not finished: read another datagram.
    More,
    /// Acknowledged; the link the kernel described, if it described one.
    Done(Option<LinkMsg>),
}

/// Feeds one received datagram to the reply of request `seq`. A link description is kept in
/// `link` until the ack that ends the exchange; messages of other requests are ignored.
pub(crate) fn scan_reply(
    buf: &[u8],
    seq: u32,
    link: &mut Option<LinkMsg>,
) -> Result<Progress, ReplyError> {
    for (hdr, payload) in split_messages(buf)? {
        if hdr.seq != seq {
            continue;
        }
        match hdr.ty {
            NLMSG_NOOP => {}
            NLMSG_ERROR => {
                let err = parse_error(hdr.flags, payload)?;
                if err.errno != 0 {
                    return Err(ReplyError::Kernel(err));
                }
                return Ok(Progress::Done(link.take()));
            }
            NLMSG_DONE => return Ok(Progress::Done(link.take())),
            NLMSG_OVERRUN => return Err(Malformed("netlink overrun".into()).into()),
            RTM_NEWLINK => *link = Some(parse_link(payload)?),
            other => return Err(Malformed(format!("unexpected message type {other}")).into()),
        }
    }
    Ok(Progress::More)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a reply message the way the kernel would (for parsing tests).
    fn kernel_msg(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((NLMSG_HDRLEN + payload.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&4242u32.to_ne_bytes());
        v.extend_from_slice(payload);
        v.resize(align4(v.len()), 0);
        v
    }

    fn ifinfo_bytes(index: u32, flags: u32) -> Vec<u8> {
        let mut v = vec![AF_UNSPEC, 0];
        v.extend_from_slice(&1u16.to_ne_bytes()); // ARPHRD_ETHER
        v.extend_from_slice(&index.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v
    }

    fn attr_bytes(ty: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(data);
        v.resize(align4(v.len()), 0);
        v
    }

    fn error_payload(error: i32, request: &[u8]) -> Vec<u8> {
        let mut v = error.to_ne_bytes().to_vec();
        v.extend_from_slice(request);
        v
    }

    #[test]
    fn test_align4_values_round_up_to_four() {
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 8, 9].map(align4),
            [0, 4, 4, 4, 4, 8, 8, 12]
        );
    }

    #[test]
    fn test_constants_all_match_libc() {
        assert_eq!(RTM_GETLINK, libc::RTM_GETLINK);
        assert_eq!(RTM_SETLINK, libc::RTM_SETLINK);
        assert_eq!(RTM_NEWLINK, libc::RTM_NEWLINK);
        assert_eq!(RTM_DELLINK, libc::RTM_DELLINK);
        assert_eq!(NLMSG_ERROR as i32, libc::NLMSG_ERROR);
        assert_eq!(NLMSG_DONE as i32, libc::NLMSG_DONE);
        assert_eq!(NLM_F_ACK as i32, libc::NLM_F_ACK);
        assert_eq!(NLM_F_CREATE as i32, libc::NLM_F_CREATE);
        assert_eq!(NLM_F_EXCL as i32, libc::NLM_F_EXCL);
        assert_eq!(IFLA_ADDRESS, libc::IFLA_ADDRESS);
        assert_eq!(IFLA_IFNAME, libc::IFLA_IFNAME);
        assert_eq!(IFLA_MTU, libc::IFLA_MTU);
        assert_eq!(IFLA_MASTER, libc::IFLA_MASTER);
        assert_eq!(IFLA_LINKINFO, libc::IFLA_LINKINFO);
        assert_eq!(IFLA_EXT_MASK, libc::IFLA_EXT_MASK);
        assert_eq!(IFLA_INFO_KIND, libc::IFLA_INFO_KIND);
        assert_eq!(IFF_UP, libc::IFF_UP as u32);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn test_get_link_by_name_layout_is_header_ifinfo_name_extmask() {
        let m = get_link(7, LinkRef::Name("br0"));
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            48, 0, 0, 0,   18, 0,   5, 0,   7, 0, 0, 0,   0, 0, 0, 0,   // nlmsghdr
            0, 0, 0, 0,   0, 0, 0, 0,   0, 0, 0, 0,   0, 0, 0, 0,       // ifinfomsg
            8, 0, 3, 0,   b'b', b'r', b'0', 0,                          // IFLA_IFNAME "br0\0"
            8, 0, 29, 0,  8, 0, 0, 0,                                   // IFLA_EXT_MASK
        ];
        assert_eq!(m, want);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn test_get_link_by_index_layout_has_index_and_no_name() {
        let m = get_link(1, LinkRef::Index(0x0102_0304));
        assert_eq!(m.len(), 40);
        assert_eq!(&m[20..24], &[4, 3, 2, 1]);
        assert_eq!(&m[32..36], &[8, 0, 29, 0]);
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn test_set_link_all_changes_layout_is_padded_and_ordered() {
        let change = LinkChange {
            mtu: Some(1400),
            master: Some(5),
            address: Some([0xfe, 0x54, 0, 1, 2, 3]),
            up: Some(true),
        };
        let m = set_link(9, LinkRef::Name("vnet0"), &change);
        #[rustfmt::skip]
        let want: Vec<u8> = vec![
            72, 0, 0, 0,   19, 0,   5, 0,   9, 0, 0, 0,   0, 0, 0, 0,
            0, 0, 0, 0,   0, 0, 0, 0,   1, 0, 0, 0,   1, 0, 0, 0,       // flags=UP change=UP
            10, 0, 3, 0,  b'v', b'n', b'e', b't', b'0', 0, 0, 0,        // name, 2 pad bytes
            10, 0, 1, 0,  0xfe, 0x54, 0, 1, 2, 3, 0, 0,                 // address, 2 pad bytes
            8, 0, 4, 0,   0x78, 0x05, 0, 0,                             // IFLA_MTU 1400
            8, 0, 10, 0,  5, 0, 0, 0,                                   // IFLA_MASTER 5
        ];
        assert_eq!(m, want);
    }

    #[test]
    fn test_set_link_down_sets_change_mask_without_flag() {
        let m = set_link(
            1,
            LinkRef::Index(3),
            &LinkChange {
                up: Some(false),
                ..LinkChange::default()
            },
        );
        assert_eq!(m.len(), 32);
        assert_eq!(u32_at(&m, 24), 0);
        assert_eq!(u32_at(&m, 28), IFF_UP);
    }

    #[test]
    fn test_set_link_detach_encodes_master_zero() {
        let m = set_link(
            1,
            LinkRef::Index(3),
            &LinkChange {
                master: Some(0),
                ..LinkChange::default()
            },
        );
        let link = parse_link(&m[NLMSG_HDRLEN..]).unwrap();
        assert_eq!(link.index, 3);
        let attrs = parse_attrs(&m[NLMSG_HDRLEN + IFINFOMSG_LEN..]).unwrap();
        assert_eq!(
            attrs,
            vec![Attr {
                ty: IFLA_MASTER,
                nested: false,
                data: &[0, 0, 0, 0]
            }]
        );
    }

    #[test]
    fn test_del_link_by_name_has_request_ack_flags() {
        let m = del_link(3, LinkRef::Name("vnet12"));
        let (hdr, payload) = split_messages(&m).unwrap()[0];
        assert_eq!(hdr.ty, RTM_DELLINK);
        assert_eq!(hdr.flags, NLM_F_REQUEST | NLM_F_ACK);
        assert_eq!(hdr.seq, 3);
        assert_eq!(parse_link(payload).unwrap().name.as_deref(), Some("vnet12"));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn test_new_link_bridge_nests_kind_under_linkinfo() {
        let m = new_link(2, "br0", "bridge");
        #[rustfmt::skip]
        let tail: &[u8] = &[
            16, 0, 18, 0x80,                                   // IFLA_LINKINFO | NLA_F_NESTED
            11, 0, 1, 0, b'b', b'r', b'i', b'd', b'g', b'e', 0, 0, // IFLA_INFO_KIND "bridge\0" + pad
        ];
        assert!(m.ends_with(tail), "{m:?}");
        assert_eq!(u16_at(&m, 6), 0x605);
        assert_eq!(m.len() % 4, 0);
        assert_eq!(u32_at(&m, 0) as usize, m.len());
        // And it reads back.
        let link = parse_link(&m[NLMSG_HDRLEN..]).unwrap();
        assert_eq!(link.kind.as_deref(), Some("bridge"));
        assert_eq!(link.name.as_deref(), Some("br0"));
    }

    #[test]
    fn test_parse_link_full_reply_reads_known_and_skips_unknown() {
        let mut p = ifinfo_bytes(7, IFF_UP | 0x1000);
        p.extend(attr_bytes(IFLA_IFNAME, b"vnet0\0"));
        p.extend(attr_bytes(200, &[1, 2, 3])); // unknown, odd length
        p.extend(attr_bytes(IFLA_MTU, &1400u32.to_ne_bytes()));
        p.extend(attr_bytes(IFLA_MASTER, &3u32.to_ne_bytes()));
        p.extend(attr_bytes(IFLA_ADDRESS, &[0xfe, 0x54, 0, 0xf4, 0xd0, 0x72]));
        let mut info = attr_bytes(IFLA_INFO_KIND, b"tun\0");
        info.extend(attr_bytes(2 | NLA_F_NESTED, &attr_bytes(1, &[1]))); // IFLA_INFO_DATA
        p.extend(attr_bytes(IFLA_LINKINFO | NLA_F_NESTED, &info));
        let link = parse_link(&p).unwrap();
        assert_eq!(
            link,
            LinkMsg {
                index: 7,
                flags: IFF_UP | 0x1000,
                name: Some("vnet0".into()),
                mtu: Some(1400),
                master: Some(3),
                address: Some(vec![0xfe, 0x54, 0, 0xf4, 0xd0, 0x72]),
                kind: Some("tun".into()),
            }
        );
    }

    #[test]
    fn test_parse_link_minimal_reply_has_no_optional_fields() {
        let link = parse_link(&ifinfo_bytes(1, 0)).unwrap();
        assert_eq!(link.index, 1);
        assert_eq!(link.mtu, None);
        assert_eq!(link.master, None);
        assert_eq!(link.kind, None);
    }

    #[test]
    fn test_parse_link_master_zero_means_none() {
        let mut p = ifinfo_bytes(1, 0);
        p.extend(attr_bytes(IFLA_MASTER, &0u32.to_ne_bytes()));
        assert_eq!(parse_link(&p).unwrap().master, None);
    }

    #[test]
    fn test_parse_link_short_mtu_is_malformed() {
        let mut p = ifinfo_bytes(1, 0);
        p.extend(attr_bytes(IFLA_MTU, &[1, 2]));
        assert!(parse_link(&p).unwrap_err().0.contains("IFLA_MTU"));
    }

    #[test]
    fn test_parse_link_short_ifinfo_is_malformed() {
        assert!(parse_link(&[0; 8]).is_err());
    }

    #[test]
    fn test_parse_attrs_length_past_end_is_malformed() {
        let mut a = attr_bytes(IFLA_MTU, &1500u32.to_ne_bytes());
        a[0] = 40;
        assert!(parse_attrs(&a).is_err());
    }

    #[test]
    fn test_parse_attrs_length_under_header_is_malformed() {
        assert!(parse_attrs(&[2, 0, 1, 0]).is_err());
    }

    #[test]
    fn test_parse_attrs_unpadded_last_attr_is_accepted() {
        let mut a = attr_bytes(IFLA_IFNAME, b"ab\0");
        a.truncate(7);
        let attrs = parse_attrs(&a).unwrap();
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs[0].data, b"ab\0");
    }

    #[test]
    fn test_parse_attrs_flags_are_masked_from_type() {
        let a = attr_bytes(IFLA_LINKINFO | NLA_F_NESTED | 0x4000, &[]);
        let attrs = parse_attrs(&a).unwrap();
        assert_eq!(attrs[0].ty, IFLA_LINKINFO);
        assert!(attrs[0].nested);
    }

    #[test]
    fn test_split_messages_two_in_one_datagram_are_both_seen() {
        let mut buf = kernel_msg(RTM_NEWLINK, 0, 1, &[0; 17]);
        buf.extend(kernel_msg(NLMSG_DONE, 0, 1, &[0; 4]));
        let msgs = split_messages(&buf).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].1.len(), 17);
        assert_eq!(msgs[1].0.ty, NLMSG_DONE);
    }

    #[test]
    fn test_split_messages_bad_length_is_malformed() {
        let mut buf = kernel_msg(NLMSG_DONE, 0, 1, &[0; 4]);
        buf[0] = 8;
        assert!(split_messages(&buf).is_err());
        assert!(split_messages(&buf[..10]).is_err());
    }

    #[test]
    fn test_parse_error_zero_is_ack() {
        let req = get_link(5, LinkRef::Name("x"));
        let err = parse_error(0, &error_payload(0, &req)).unwrap();
        assert_eq!(
            err,
            NlErr {
                errno: 0,
                msg: None
            }
        );
    }

    #[test]
    fn test_parse_error_uncapped_with_ext_ack_reads_message() {
        let req = set_link(5, LinkRef::Name("vnet0"), &LinkChange::default());
        let mut p = error_payload(-libc::ENODEV, &req);
        p.extend(attr_bytes(NLMSGERR_ATTR_MSG, b"Unknown device\0"));
        p.extend(attr_bytes(2, &8u32.to_ne_bytes())); // NLMSGERR_ATTR_OFFS
        let err = parse_error(NLM_F_ACK_TLVS, &p).unwrap();
        assert_eq!(err.errno, libc::ENODEV);
        assert_eq!(err.msg.as_deref(), Some("Unknown device"));
    }

    #[test]
    fn test_parse_error_capped_with_ext_ack_skips_only_header() {
        let req = set_link(5, LinkRef::Name("vnet0"), &LinkChange::default());
        let mut p = error_payload(-libc::EBUSY, &req[..NLMSG_HDRLEN]);
        p.extend(attr_bytes(NLMSGERR_ATTR_MSG, b"busy\0"));
        let err = parse_error(NLM_F_CAPPED | NLM_F_ACK_TLVS, &p).unwrap();
        assert_eq!(err.errno, libc::EBUSY);
        assert_eq!(err.msg.as_deref(), Some("busy"));
    }

    #[test]
    fn test_parse_error_positive_or_short_is_malformed() {
        let req = get_link(5, LinkRef::Index(1));
        assert!(parse_error(0, &error_payload(3, &req)).is_err());
        assert!(parse_error(0, &[0; 8]).is_err());
        assert!(parse_error(0, &error_payload(i32::MIN, &req)).is_err());
    }

    #[test]
    fn test_scan_reply_newlink_then_ack_returns_link() {
        let mut p = ifinfo_bytes(4, 0);
        p.extend(attr_bytes(IFLA_IFNAME, b"br0\0"));
        let req = get_link(11, LinkRef::Name("br0"));
        let mut link = None;
        let first = kernel_msg(RTM_NEWLINK, 0, 11, &p);
        assert_eq!(scan_reply(&first, 11, &mut link), Ok(Progress::More));
        let ack = kernel_msg(NLMSG_ERROR, NLM_F_CAPPED, 11, &error_payload(0, &req[..16]));
        let Ok(Progress::Done(Some(l))) = scan_reply(&ack, 11, &mut link) else {
            panic!("no link");
        };
        assert_eq!(l.name.as_deref(), Some("br0"));
    }

    #[test]
    fn test_scan_reply_other_sequence_is_ignored() {
        let req = get_link(1, LinkRef::Index(1));
        let stale = kernel_msg(NLMSG_ERROR, 0, 1, &error_payload(-libc::ENODEV, &req));
        let mut link = None;
        assert_eq!(scan_reply(&stale, 2, &mut link), Ok(Progress::More));
    }

    #[test]
    fn test_scan_reply_error_returns_kernel_errno() {
        let req = get_link(6, LinkRef::Name("br9"));
        let buf = kernel_msg(NLMSG_ERROR, 0, 6, &error_payload(-libc::ENODEV, &req));
        assert_eq!(
            scan_reply(&buf, 6, &mut None),
            Err(ReplyError::Kernel(NlErr {
                errno: libc::ENODEV,
                msg: None
            }))
        );
    }

    #[test]
    fn test_scan_reply_unexpected_type_is_malformed() {
        let buf = kernel_msg(RTM_NEWLINK + 4, 0, 6, &[]);
        assert!(matches!(
            scan_reply(&buf, 6, &mut None),
            Err(ReplyError::Malformed(_))
        ));
    }
}
