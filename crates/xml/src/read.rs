//! Reader helpers: the lookups every `conf` parser needs, with positions in errors.

use roxmltree::{Document, Node};
use std::str::FromStr;

/// A problem found while reading XML, with the 1-based position of the offending node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The text is not well-formed XML.
    #[error("{line}:{col}: {message}")]
    Syntax {
        /// Line of the error.
        line: u32,
        /// Column of the error.
        col: u32,
        /// What the parser reported.
        message: String,
    },
    /// A required attribute or element is missing.
    #[error("{line}:{col}: missing {what} in <{element}>")]
    Missing {
        /// Line of the element.
        line: u32,
        /// Column of the element.
        col: u32,
        /// The element that should have it.
        element: String,
        /// `attribute 'x'` or `element <x>`.
        what: String,
    },
    /// A value that cannot be parsed as the type it must have.
    #[error("{line}:{col}: invalid value '{value}' for {what} in <{element}>")]
    Invalid {
        /// Line of the element.
        line: u32,
        /// Column of the element.
        col: u32,
        /// The element holding the value.
        element: String,
        /// `attribute 'x'` or `text`.
        what: String,
        /// The offending value.
        value: String,
    },
}

/// Parses `text`, keeping DTD-free documents only (libvirt refuses entity expansion too).
/// A malformed document is reported with libxml2's message and position.
pub fn parse_document(text: &str) -> Result<Document<'_>, XmlError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    Document::parse_with_options(text, opts).map_err(|e| {
        let (line, col, message) = crate::syntax::libxml2_error(text, &e);
        XmlError::Syntax { line, col, message }
    })
}

/// 1-based `(line, column)` of a node.
pub fn position(node: Node<'_, '_>) -> (u32, u32) {
    let p = node.document().text_pos_at(node.range().start);
    (p.row, p.col)
}

/// The first child element called `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Every child element called `name`, in document order.
pub fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// Every child element, in document order.
pub fn elements<'a, 'i: 'a>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(|c| c.is_element())
}

/// The text of a child element (empty string for `<x/>`), if the child exists.
pub fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).map(|c| c.text().unwrap_or(""))
}

/// Whether `s` is empty or whitespace only (`s.trim().is_empty()`), checking the ASCII
/// indentation between elements without decoding characters.
pub fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) || s.trim().is_empty()
}

/// The text content of an element with surrounding whitespace removed.
pub fn trimmed_text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().unwrap_or("").trim()
}

/// The values of the attributes called `names`, found in one pass over the element's
/// attributes instead of one scan per name. Matches as `Node::attribute(name)` does: by
/// local name, first occurrence.
pub fn attributes_of<'a, const N: usize>(
    node: Node<'a, '_>,
    names: [&str; N],
) -> [Option<&'a str>; N] {
    let mut out = [None; N];
    for a in node.attributes() {
        if let Some(i) = names.iter().position(|n| *n == a.name())
            && out[i].is_none()
        {
            out[i] = Some(a.value());
        }
    }
    out
}

/// A required attribute.
pub fn req_attr<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str, XmlError> {
    node.attribute(name).ok_or_else(|| {
        let (line, col) = position(node);
        XmlError::Missing {
            line,
            col,
            element: node.tag_name().name().to_owned(),
            what: format!("attribute '{name}'"),
        }
    })
}

/// An optional attribute parsed with `FromStr`.
pub fn attr_parse<T: FromStr>(node: Node<'_, '_>, name: &str) -> Result<Option<T>, XmlError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| invalid(node, &format!("attribute '{name}'"), v)),
    }
}

/// An [`XmlError::Invalid`] located at `node`.
pub fn invalid(node: Node<'_, '_>, what: &str, value: &str) -> XmlError {
    let (line, col) = position(node);
    XmlError::Invalid {
        line,
        col,
        element: node.tag_name().name().to_owned(),
        what: what.to_owned(),
        value: value.to_owned(),
    }
}

/// libvirt's tristate booleans: `yes`/`no` (and `on`/`off` where the schema allows it).
pub fn parse_yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" | "on" => Some(true),
        "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parse_document_reports_line_and_column() {
        let err = parse_document("<domain>\n  <name>x</nam>\n</domain>").unwrap_err();
        assert!(matches!(err, XmlError::Syntax { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn test_req_attr_missing_names_element_and_position() {
        let doc = parse_document("<a>\n <mac/>\n</a>").unwrap();
        let mac = child(doc.root_element(), "mac").unwrap();
        let err = req_attr(mac, "address").unwrap_err();
        assert_eq!(err.to_string(), "2:2: missing attribute 'address' in <mac>");
    }

    #[test]
    fn test_attributes_of_matches_attribute_lookup() {
        let doc = parse_document("<a xmlns:n='urn:x' n:b='1' b='2' c='3'/>").unwrap();
        let a = doc.root_element();
        let [b, c, d] = attributes_of(a, ["b", "c", "d"]);
        assert_eq!(
            [b, c, d],
            [a.attribute("b"), a.attribute("c"), a.attribute("d")]
        );
    }

    #[test]
    fn test_attr_parse_rejects_non_numbers() {
        let doc = parse_document("<vcpu n='x'/>").unwrap();
        let r: Result<Option<u32>, _> = attr_parse(doc.root_element(), "n");
        assert!(r.is_err());
    }
}
