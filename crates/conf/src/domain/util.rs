//! Value syntaxes shared by the domain parsers: UUIDs, scaled memory sizes, CPU bitmaps,
//! libvirt's integer parsing (C `strtoul` with base 0) and yes/no/on/off switches.

use crate::ConfError;
use roxmltree::Node;

/// Parses a UUID the way libvirt accepts it: 32 hex digits, dashes and spaces ignored
/// between digit pairs.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let digits: Vec<u8> = s
        .trim()
        .bytes()
        .filter(|b| *b != b'-' && *b != b' ')
        .collect();
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn format_uuid(u: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// C `strtoull(s, &end, 0)` over the whole string: `0x` hex, leading `0` octal, decimal.
pub fn parse_u64_base0(s: &str) -> Option<u64> {
    if let Some(n) = parse_u64_base0_plain(s.as_bytes()) {
        return Some(n);
    }
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// [`parse_u64_base0`] for the common spelling (prefix and digits only, at most 15 digits
/// so nothing can overflow), without the trimming and the standard library's sign
/// handling; `None` sends anything else to the general path, which agrees whenever this
/// one answers.
fn parse_u64_base0_plain(b: &[u8]) -> Option<u64> {
    let (digits, radix) = match b {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (b, 10),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        if u64::from(v) >= radix {
            return None;
        }
        n = n * radix + u64::from(v);
    }
    Some(n)
}

/// The multiplier of a libvirt size unit (`virScaleInteger`), `None` for unknown units.
pub fn unit_scale(unit: &str) -> Option<u64> {
    let u = unit.to_ascii_lowercase();
    let (base, exp) = match u.as_str() {
        "b" | "bytes" => return Some(1),
        _ => {
            let mut cs = u.chars();
            let p = cs.next()?;
            let rest: String = cs.collect();
            let base = match rest.as_str() {
                "" | "ib" => 1024u64,
                "b" => 1000,
                _ => return None,
            };
            let exp = match p {
                'k' => 1,
                'm' => 2,
                'g' => 3,
                't' => 4,
                'p' => 5,
                'e' => 6,
                _ => return None,
            };
            (base, exp)
        }
    };
    base.checked_pow(exp)
}

/// A top-level size element (`<memory unit='…'>N</memory>`) in KiB, rounded up, read as
/// libvirt's `virDomainParseMemory` reads `./<name>[1]`: the whole text in decimal (leading
/// blanks allowed, nothing after the digits), then the unit; empty text is no value (0).
pub fn parse_scaled_kib(node: Node<'_, '_>, default_unit: &str) -> Result<u64, ConfError> {
    let text: String = node
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    if text.is_empty() {
        return Ok(0);
    }
    let digits = text.trim_start();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    let n = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| {
            ConfError::XmlError(format!(
                "Invalid value '{text}' for element or attribute './{}[1]'",
                node.tag_name().name()
            ))
        })?;
    let unit = node
        .attribute("unit")
        .filter(|u| !u.is_empty())
        .unwrap_or(default_unit);
    let scale = unit_scale(unit)
        .ok_or_else(|| ConfError::InvalidArg(format!("unknown suffix '{unit}'")))?;
    n.checked_mul(scale)
        .map(|bytes| bytes.div_ceil(1024))
        .ok_or_else(|| ConfError::InvalidArg("value too large".into()))
}

/// `value × unit` in KiB, rounded up.
pub fn scaled_to_kib(value: &str, unit: &str) -> Option<u64> {
    let n: u64 = value.trim().parse().ok()?;
    let scale = unit_scale(unit)?;
    let bytes = n.checked_mul(scale)?;
    Some(bytes.div_ceil(1024))
}

/// Parses a libvirt CPU/node list (`0-3,^2,8`) into sorted, unique indices.
pub fn parse_bitmap(s: &str) -> Option<Vec<u32>> {
    let mut set = std::collections::BTreeSet::new();
    let mut neg = Vec::new();
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return None;
        }
        if let Some(n) = part.strip_prefix('^') {
            neg.push(n.trim().parse::<u32>().ok()?);
        } else if let Some((a, b)) = part.split_once('-') {
            let a: u32 = a.trim().parse().ok()?;
            let b: u32 = b.trim().parse().ok()?;
            if a > b {
                return None;
            }
            set.extend(a..=b);
        } else {
            set.insert(part.parse::<u32>().ok()?);
        }
    }
    for n in neg {
        set.remove(&n);
    }
    Some(set.into_iter().collect())
}

/// Formats sorted indices as libvirt's `virBitmapFormat` does (`1-4,8`).
pub fn format_bitmap(bits: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bits.len() {
        let start = bits[i];
        let mut end = start;
        while i + 1 < bits.len() && bits[i + 1] == end + 1 {
            i += 1;
            end = bits[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Whether a string is libvirt's `yes`/`no` (tristate bool).
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Whether a string is libvirt's `on`/`off` (tristate switch).
pub fn parse_on_off(s: &str) -> Option<bool> {
    match s {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

/// `yes`/`no`.
pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// `on`/`off`.
pub fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// The error libvirt raises for an attribute value it cannot convert (`virXMLPropEnum`,
/// `virXMLPropTristate*`): `VIR_ERR_XML_ERROR`.
pub fn invalid_attr(node: Node<'_, '_>, attr: &str, value: &str) -> ConfError {
    ConfError::XmlError(format!(
        "Invalid value for attribute '{attr}' in element '{}': '{value}'.",
        node.tag_name().name()
    ))
}

/// `virXMLPropUInt` refusing `value`: [`invalid_attr`] with the helper's hint.
pub fn invalid_uint_attr(node: Node<'_, '_>, attr: &str, value: &str) -> ConfError {
    ConfError::XmlError(format!(
        "Invalid value for attribute '{attr}' in element '{}': '{value}'. Expected non-negative integer value",
        node.tag_name().name()
    ))
}

/// An optional unsigned attribute in base 0 (`virXMLPropUInt(…, 0, …)`).
pub fn attr_u32_base0(node: Node<'_, '_>, attr: &str) -> Result<Option<u32>, ConfError> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(v) => parse_u64_base0(v)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid_uint_attr(node, attr, v)),
    }
}

/// An optional unsigned decimal attribute.
pub fn attr_u32(node: Node<'_, '_>, attr: &str) -> Result<Option<u32>, ConfError> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| invalid_uint_attr(node, attr, v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_uuid_accepts_dashes_anywhere() {
        let u = parse_uuid("6695eb01-f6a4-8304-79aa-97f2502e193f").unwrap();
        assert_eq!(format_uuid(&u), "6695eb01-f6a4-8304-79aa-97f2502e193f");
    }

    #[test]
    fn test_bitmap_with_negation_formats_ranges() {
        let b = parse_bitmap("1-4,8-20,^9,525").unwrap();
        assert_eq!(format_bitmap(&b), "1-4,8,10-20,525");
    }

    #[test]
    fn test_parse_u64_base0_fast_path_agrees_with_strtoul_rules() {
        for (s, want) in [
            ("0x1f", Some(31)),
            ("0X1F", Some(31)),
            ("017", Some(15)),
            ("0", Some(0)),
            ("00", Some(0)),
            ("42", Some(42)),
            (" 42 ", Some(42)),
            ("+42", Some(42)),
            ("0x+1", Some(1)),
            ("08", None),
            ("0x", None),
            ("", None),
            ("1a", None),
            ("0xffffffffffffffff", Some(u64::MAX)),
            ("18446744073709551616", None),
        ] {
            assert_eq!(parse_u64_base0(s), want, "{s:?}");
        }
    }

    #[test]
    fn test_scaled_to_kib_rounds_up() {
        assert_eq!(scaled_to_kib("1", "G"), Some(1_048_576));
        assert_eq!(scaled_to_kib("1000", "b"), Some(1));
        assert_eq!(scaled_to_kib("1", "GB"), Some(976_563));
    }
}
