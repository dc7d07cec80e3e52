//! Small readers and writers shared by the `<network>` sub-parsers.
//!
//! libvirt reads network XML two ways, and the difference is visible to users:
//! XPath lookups (`./bridge[1]/@name`) only see elements without a namespace and treat an
//! empty value as absent, while direct property reads (`virXMLPropString`) return empty
//! strings as they are. [`xp_attr`] and [`prop`] keep that distinction. Numbers go through
//! [`strtoul`], which accepts what C's `strtoul` accepts (leading blanks, a sign, `0x`),
//! because libvirt's `virStrToLong_*` helpers are thin wrappers around it.

use crate::ConfError;
use oxvirt_xml::{XmlWriter, escape_into};
use roxmltree::Node;

/// `VIR_ERR_XML_ERROR`: clients see `XML error: <msg>`.
pub(crate) fn xml_error(msg: impl Into<String>) -> ConfError {
    ConfError::XmlError(msg.into())
}

/// `VIR_ERR_XML_DETAIL`: clients see `<msg>` alone.
pub(crate) fn xml_detail(msg: impl Into<String>) -> ConfError {
    ConfError::XmlDetail(msg.into())
}

/// `VIR_ERR_CONFIG_UNSUPPORTED`.
pub(crate) fn unsupported(msg: impl Into<String>) -> ConfError {
    ConfError::Unsupported(msg.into())
}

/// `VIR_ERR_INTERNAL_ERROR`.
pub(crate) fn internal(msg: impl Into<String>) -> ConfError {
    ConfError::Internal(msg.into())
}

/// Element test used by XPath steps: right local name and no namespace.
fn is_plain(node: &Node<'_, '_>, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

/// `./name[1]`: the first child element `name` without a namespace.
pub(crate) fn xp_child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is_plain(c, name))
}

/// `./name`: every child element `name` without a namespace, in document order.
pub(crate) fn xp_children<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.children().filter(|c| is_plain(c, name)).collect()
}

/// Children matched by local name only (libvirt's `virXMLNodeNameEqual` loops).
pub(crate) fn named_children<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|c| c.is_element() && c.tag_name().name() == name)
        .collect()
}

/// `string(./@name)`: the attribute, with an empty value treated as absent.
pub(crate) fn xp_attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name).filter(|v| !v.is_empty())
}

/// `virXMLPropString`: the attribute exactly as written (empty stays empty).
pub(crate) fn prop<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute(name)
}

/// XPath `string(node)`: all descendant text concatenated.
pub(crate) fn string_value(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

/// `string(./name[1])` with libvirt's empty-is-absent rule.
pub(crate) fn xp_child_string(node: Node<'_, '_>, name: &str) -> Option<String> {
    xp_child(node, name)
        .map(string_value)
        .filter(|s| !s.is_empty())
}

/// Result of a C `strtoul`-style conversion of a whole string.
struct Parsed {
    value: u64,
    negative: bool,
}

/// C's `strtoul(s, &end, base)` followed by libvirt's "whole string consumed" and
/// overflow checks. `None` when no digits, trailing garbage or out of range.
fn strtoul(s: &str, base: u32) -> Option<Parsed> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let mut radix = base;
    let has_hex_prefix = i + 1 < b.len()
        && b[i] == b'0'
        && (b[i + 1] == b'x' || b[i + 1] == b'X')
        && b.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit());
    if (radix == 0 || radix == 16) && has_hex_prefix {
        radix = 16;
        i += 2;
    } else if radix == 0 {
        radix = if i < b.len() && b[i] == b'0' { 8 } else { 10 };
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(radix) else {
            break;
        };
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start || i != b.len() || overflow {
        return None;
    }
    Some(Parsed { value, negative })
}

/// `virStrToLong_ui`: unsigned int; `-N` wraps like C (so `-1` is `UINT_MAX`).
pub(crate) fn to_ui(s: &str, base: u32) -> Option<u32> {
    let p = strtoul(s, base)?;
    if p.negative {
        if p.value > u64::from(u32::MAX) {
            return None;
        }
        return Some((p.value as u32).wrapping_neg());
    }
    u32::try_from(p.value).ok()
}

/// `virStrToLong_uip`: unsigned int, any minus sign rejected.
pub(crate) fn to_uip(s: &str, base: u32) -> Option<u32> {
    let p = strtoul(s, base)?;
    if p.negative {
        return None;
    }
    u32::try_from(p.value).ok()
}

/// `virStrToLong_ulp` / `virStrToLong_ullp` on a 64-bit host: minus sign rejected.
pub(crate) fn to_ullp(s: &str, base: u32) -> Option<u64> {
    let p = strtoul(s, base)?;
    if p.negative {
        return None;
    }
    Some(p.value)
}

/// `virStrToLong_ull`: unsigned 64-bit; `-N` wraps like C.
pub(crate) fn to_ull_wrapping(s: &str) -> Option<u64> {
    let p = strtoul(s, 10)?;
    Some(if p.negative {
        p.value.wrapping_neg()
    } else {
        p.value
    })
}

/// `virStrToLong_ll`: signed 64-bit with C `strtoll` rules.
pub(crate) fn to_i64(s: &str, base: u32) -> Option<i64> {
    let p = strtoul(s, base)?;
    if p.negative {
        0i64.checked_sub_unsigned(p.value)
    } else {
        i64::try_from(p.value).ok()
    }
}

/// Name of an element as libvirt prints it in messages (`node->name`, the local name).
pub(crate) fn elem_name<'a>(node: Node<'a, '_>) -> &'a str {
    node.tag_name().name()
}

/// `virXMLPropUInt` with `VIR_XML_PROP_NONE` (or `NONZERO`): `Ok(None)` when absent.
pub(crate) fn prop_uint(
    node: Node<'_, '_>,
    name: &str,
    base: u32,
    nonzero: bool,
) -> Result<Option<u32>, ConfError> {
    let Some(v) = prop(node, name) else {
        return Ok(None);
    };
    let n = to_uip(v, base).ok_or_else(|| {
        xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
            elem_name(node)
        ))
    })?;
    if nonzero && n == 0 {
        return Err(xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
            elem_name(node)
        )));
    }
    Ok(Some(n))
}

/// `virXMLPropUInt` with `VIR_XML_PROP_REQUIRED`.
pub(crate) fn prop_uint_required(
    node: Node<'_, '_>,
    name: &str,
    base: u32,
) -> Result<u32, ConfError> {
    prop_uint(node, name, base, false)?.ok_or_else(|| {
        xml_error(format!(
            "Missing required attribute '{name}' in element '{}'",
            elem_name(node)
        ))
    })
}

/// `virXMLPropULongLong` with `VIR_XML_PROP_NONE`.
pub(crate) fn prop_ull(
    node: Node<'_, '_>,
    name: &str,
    base: u32,
) -> Result<Option<u64>, ConfError> {
    let Some(v) = prop(node, name) else {
        return Ok(None);
    };
    to_ullp(v, base).map(Some).ok_or_else(|| {
        xml_error(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected non-negative integer value",
            elem_name(node)
        ))
    })
}

/// `virXMLPropEnum` for a string table; `nonzero` rejects the table's first entry (the
/// "default"/"none" placeholder libvirt never accepts from XML).
pub(crate) fn prop_enum<T: Copy>(
    node: Node<'_, '_>,
    name: &str,
    table: &[(&str, T)],
) -> Result<Option<T>, ConfError> {
    let Some(v) = prop(node, name) else {
        return Ok(None);
    };
    table
        .iter()
        .find(|(s, _)| *s == v)
        .map(|(_, t)| Some(*t))
        .ok_or_else(|| {
            xml_error(format!(
                "Invalid value for attribute '{name}' in element '{}': '{v}'.",
                elem_name(node)
            ))
        })
}

/// `virXMLPropTristateBool`: `yes`/`no`, anything else (even `default`) is an error.
pub(crate) fn prop_tristate(node: Node<'_, '_>, name: &str) -> Result<Option<bool>, ConfError> {
    prop_enum(node, name, &[("yes", true), ("no", false)])
}

/// `yes`/`no` as libvirt prints a tristate.
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// libvirt's UUID parser: 32 hex digits, `-` or space allowed between pairs, blanks around.
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    let mut n = 0;
    while n < 16 {
        let c = *b.get(i)?;
        if c == b'-' || c == b' ' {
            i += 1;
            continue;
        }
        let hi = (c as char).to_digit(16)?;
        let lo = (*b.get(i + 1)? as char).to_digit(16)?;
        out[n] = (hi * 16 + lo) as u8;
        n += 1;
        i += 2;
    }
    if b[i..].iter().all(|c| c.is_ascii_whitespace()) {
        Some(out)
    } else {
        None
    }
}

/// `virMacAddrParse`: six groups of one or two hex digits separated by `:`; anything at
/// or below a space may follow the last group.
pub(crate) fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let b = s.as_bytes();
    let mut out = [0u8; 6];
    let mut i = 0;
    for (n, slot) in out.iter_mut().enumerate() {
        let start = i;
        while i < b.len() && b[i].is_ascii_hexdigit() && i - start < 3 {
            i += 1;
        }
        let len = i - start;
        if len == 0 || len > 2 {
            return None;
        }
        *slot = u8::from_str_radix(&s[start..i], 16).ok()?;
        if n == 5 {
            return (i == b.len() || b[i] <= b' ').then_some(out);
        }
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
    }
    None
}

/// An attribute value for [`Out`]: escaped (`virBufferEscapeString`) or printed as is
/// (`virBufferAsprintf("%s")`, which libvirt uses for a few names it never escapes).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    /// Escaped.
    Esc(&'a str),
    /// Verbatim.
    Raw(&'a str),
}

/// Output buffer for the network formatter: libvirt's `virBuffer` with auto-indent.
///
/// Most elements are written through [`XmlWriter`] fragments; [`Out::open`] and
/// [`Out::close`] exist for the elements libvirt always prints with a separate end tag
/// even when empty (`<ip …>\n</ip>`, `<portgroup …>\n</portgroup>`), which the writer's
/// automatic `<x/>` would otherwise collapse.
#[derive(Debug, Default)]
pub(crate) struct Out {
    buf: String,
    depth: usize,
}

impl Out {
    /// Starts at indentation level `depth`.
    pub(crate) fn at(depth: usize) -> Self {
        Self {
            buf: String::new(),
            depth,
        }
    }

    /// Formats elements with an [`XmlWriter`] at the current depth.
    pub(crate) fn frag(&mut self, f: impl FnOnce(&mut XmlWriter)) {
        let mut w = XmlWriter::with_indent(self.depth);
        f(&mut w);
        self.buf.push_str(&w.finish());
    }

    fn indent(&mut self) {
        self.buf.extend(std::iter::repeat_n(' ', self.depth * 2));
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, Val<'_>)]) {
        self.indent();
        self.buf.push('<');
        self.buf.push_str(tag);
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("='");
            match v {
                Val::Esc(v) => escape_into(&mut self.buf, v),
                Val::Raw(v) => self.buf.push_str(v),
            }
            self.buf.push('\'');
        }
    }

    /// `<tag a='v' …>` and a newline; later output is one level deeper.
    pub(crate) fn open(&mut self, tag: &str, attrs: &[(&str, Val<'_>)]) {
        self.start_tag(tag, attrs);
        self.buf.push_str(">\n");
        self.depth += 1;
    }

    /// `<tag a='v' …/>` and a newline.
    pub(crate) fn empty(&mut self, tag: &str, attrs: &[(&str, Val<'_>)]) {
        self.start_tag(tag, attrs);
        self.buf.push_str("/>\n");
    }

    /// `</tag>` one level up.
    pub(crate) fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push_str(">\n");
    }

    /// Text that is already laid out: the current indentation, the text, a newline
    /// (what `virBufferAsprintf(buf, "%s\n", text)` does with auto-indent).
    pub(crate) fn raw_line(&mut self, text: &str) {
        self.indent();
        self.buf.push_str(text);
        self.buf.push('\n');
    }

    /// The formatted text.
    pub(crate) fn finish(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_strtoul_accepts_c_forms() {
        assert_eq!(to_uip(" 42", 10), Some(42));
        assert_eq!(to_uip("+7", 10), Some(7));
        assert_eq!(to_uip("0x10", 0), Some(16));
        assert_eq!(to_uip("010", 0), Some(8));
        assert_eq!(to_uip("-1", 10), None);
        assert_eq!(to_ui("-1", 10), Some(u32::MAX));
        assert_eq!(to_uip("12a", 10), None);
        assert_eq!(to_uip("", 10), None);
        assert_eq!(to_uip("4294967296", 10), None);
    }

    #[test]
    fn test_parse_uuid_allows_dashes_and_blanks() {
        let u = parse_uuid(" 81ff0d90-c91e-6742-64da-4a736edb9a8c ").unwrap();
        assert_eq!(u[..4], [0x81, 0xff, 0x0d, 0x90]);
        assert!(parse_uuid("81ff0d90").is_none());
        assert!(parse_uuid("81ff0d90-c91e-6742-64da-4a736edb9a8cx").is_none());
    }

    #[test]
    fn test_parse_mac_accepts_single_digit_groups() {
        assert_eq!(
            parse_mac("0:16:3e:77:E2:ed"),
            Some([0, 0x16, 0x3e, 0x77, 0xe2, 0xed])
        );
        assert!(parse_mac("00:16:3e:77:e2").is_none());
        assert!(parse_mac("00:16:3e:77:e2:ed:11").is_none());
        assert!(parse_mac("000:16:3e:77:e2:ed").is_none());
    }
}
