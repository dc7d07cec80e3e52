//! libxml2's wording and position for the documents roxmltree refuses.
//!
//! libvirt shows users libxml2's message for malformed XML (`Premature end of data in tag
//! domain line 1`) with a caret under libxml2's column. roxmltree stops on the same
//! mistakes but words them its own way and sometimes at another column, so the common
//! mistakes are rewritten here: a small scan of the text finds what libxml2 names (the
//! innermost open element and its line, the end of a tag). Errors not listed keep
//! roxmltree's wording and position.

use roxmltree::Error;

/// `(line, column, message)` as libxml2 reports the error `e` of `text`.
pub(crate) fn libxml2_error(text: &str, e: &Error) -> (u32, u32, String) {
    let at = |pos: roxmltree::TextPos| offset_of(text, pos.row, pos.col);
    let (offset, message) = match e {
        Error::NoRootNode => {
            let first = text.len() - text.trim_start().len();
            (first, "Start tag expected, '<' not found".to_owned())
        }
        Error::UnclosedRootNode | Error::UnexpectedEndOfStream => {
            let scan = scan(text, text.len());
            let message = match scan.inside {
                Inside::EndTag => "expected '>'".to_owned(),
                Inside::StartTag(name, line) => {
                    format!("Couldn't find end of Start Tag {name} line {line}")
                }
                Inside::Content => match scan.open.last() {
                    Some((name, line)) => {
                        format!("Premature end of data in tag {name} line {line}")
                    }
                    None => return fallback(e),
                },
            };
            (text.len(), message)
        }
        Error::UnexpectedCloseTag(expected, actual, pos) => {
            let start = at(*pos);
            let scan = scan(text, start);
            let Some((_, line)) = scan.open.iter().rev().find(|(n, _)| n == expected) else {
                return fallback(e);
            };
            // libxml2 has read the whole end tag when it notices.
            let end = text[start..]
                .find('>')
                .map_or(text.len(), |i| start + i + 1);
            (
                end,
                format!("Opening and ending tag mismatch: {expected} line {line} and {actual}"),
            )
        }
        Error::DuplicatedAttribute(name, pos) => {
            // The caret goes after the redefined attribute's value.
            let start = at(*pos);
            let end = after_attribute_value(text, start).unwrap_or(start);
            (end, format!("Attribute {name} redefined"))
        }
        Error::MalformedEntityReference(pos) => {
            let amp = text[at(*pos)..]
                .find('&')
                .map_or(at(*pos), |i| at(*pos) + i);
            let name_len = text[amp + 1..]
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')))
                .unwrap_or(text.len() - amp - 1);
            if name_len == 0 {
                (amp + 1, "xmlParseEntityRef: no name".to_owned())
            } else {
                (amp + 1 + name_len, "EntityRef: expecting ';'".to_owned())
            }
        }
        Error::UnknownEntityReference(name, pos) => {
            let start = at(*pos);
            let end = text[start..].find(';').map_or(start, |i| start + i + 1);
            (end, format!("Entity '{name}' not defined"))
        }
        Error::InvalidChar2("a quote", _, pos) => {
            (at(*pos), "AttValue: \" or ' expected".to_owned())
        }
        Error::UnknownToken(pos) if scan(text, at(*pos)).closed_root => (
            at(*pos),
            "Extra content at the end of the document".to_owned(),
        ),
        _ => return fallback(e),
    };
    let (line, col) = line_col(text, offset);
    (line, col, message)
}

fn fallback(e: &Error) -> (u32, u32, String) {
    let pos = e.pos();
    (pos.row, pos.col, e.to_string())
}

/// Byte offset of a 1-based (row, column in characters) position, clamped to the text.
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let mut line_start = 0;
    for _ in 1..row {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    text[line_start..]
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// 1-based (line, column) of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Offset just past the quoted value of the attribute starting at `start`.
fn after_attribute_value(text: &str, start: usize) -> Option<usize> {
    let eq = start + text[start..].find('=')?;
    let rest = &text[eq + 1..];
    let q_at = eq + 1 + rest.find(['\'', '"'])?;
    let quote = text[q_at..].chars().next()?;
    let close = q_at + 1 + text[q_at + 1..].find(quote)?;
    Some(close + 1)
}

/// Where a scan stopped.
enum Inside {
    /// Between tags.
    Content,
    /// In a start tag: its name and line.
    StartTag(String, usize),
    /// In an end tag.
    EndTag,
}

struct Scan {
    /// Open elements, outermost first, with the line of their start tag.
    open: Vec<(String, usize)>,
    inside: Inside,
    /// The root element was closed before the stop.
    closed_root: bool,
}

/// Follows the tags of `text` up to byte `stop` (comments, CDATA, processing instructions
/// and declarations skipped; quoted attribute values may hold `>`).
fn scan(text: &str, stop: usize) -> Scan {
    let b = text.as_bytes();
    let stop = stop.min(b.len());
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut closed_root = false;
    let mut line = 1;
    let mut i = 0;
    let skip_to = |from: usize, pat: &str| text[from..].find(pat).map(|k| from + k + pat.len());
    while i < stop {
        if b[i] == b'\n' {
            line += 1;
        }
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let special = if rest.starts_with("<!--") {
            Some("-->")
        } else if rest.starts_with("<![CDATA[") {
            Some("]]>")
        } else if rest.starts_with("<?") {
            Some("?>")
        } else if rest.starts_with("<!") {
            Some(">")
        } else {
            None
        };
        if let Some(end) = special {
            let next = skip_to(i, end).unwrap_or(b.len()).min(stop);
            line += text[i..next].matches('\n').count();
            i = next;
            continue;
        }
        let is_end = rest.starts_with("</");
        let name_start = i + if is_end { 2 } else { 1 };
        let name_len = text[name_start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '>' | '/'))
            .unwrap_or(text.len() - name_start);
        let name = text[name_start..name_start + name_len].to_owned();
        let tag_line = line;
        // Find the tag's '>' outside quotes.
        let mut j = name_start + name_len;
        let mut quote = None;
        while j < stop {
            match (quote, b[j]) {
                (None, b'>') => break,
                (None, q @ (b'\'' | b'"')) => quote = Some(q),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
            if b[j] == b'\n' {
                line += 1;
            }
            j += 1;
        }
        if j >= stop {
            let inside = if is_end {
                Inside::EndTag
            } else {
                Inside::StartTag(name, tag_line)
            };
            return Scan {
                open,
                inside,
                closed_root,
            };
        }
        if is_end {
            open.pop();
            closed_root = open.is_empty();
        } else if b[j - 1] != b'/' {
            open.push((name, tag_line));
        } else if open.is_empty() {
            closed_root = true;
        }
        i = j + 1;
    }
    Scan {
        open,
        inside: Inside::Content,
        closed_root,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> (u32, u32, String) {
        let e = roxmltree::Document::parse(text).expect_err("malformed");
        libxml2_error(text, &e)
    }

    #[test]
    fn test_truncated_names_innermost_open_element() {
        let got = refusal("<a>\n<b x='>'>\n");

        assert_eq!(got, (3, 1, "Premature end of data in tag b line 2".into()));
    }

    #[test]
    fn test_mismatch_points_after_end_tag() {
        let got = refusal("<a>\n<b>\n</a>");

        assert_eq!(
            got,
            (
                3,
                5,
                "Opening and ending tag mismatch: b line 2 and a".into()
            )
        );
    }

    #[test]
    fn test_truncated_start_tag_names_it() {
        let got = refusal("<a><bee");

        assert_eq!(
            got,
            (1, 8, "Couldn't find end of Start Tag bee line 1".into())
        );
    }
}
