//! `<metadata>`: application data kept verbatim, printed the way libvirt prints it.
//!
//! libvirt keeps a copy of the element, drops children without a namespace and every
//! child after the first one of each namespace, and prints it with libxml2's serializer
//! (`xmlNodeDump` with indentation), not with its own formatter. So this module stores the
//! kept children as a small tree and reproduces libxml2's layout: double-quoted
//! attributes, namespace declarations first, children on their own indented lines unless
//! the element holds text, whitespace-only text between elements dropped (libvirt parses
//! with `xmlKeepBlanksDefault(0)`), non-ASCII characters in attributes written as
//! `&#xHH;` references, CDATA sections kept, and namespaces declared outside
//! `<metadata>` re-declared on it (what `xmlCopyNode` does).

use roxmltree::{Node, NodeType};
use std::fmt::Write as _;

/// One node of the kept metadata tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaNode {
    /// An element: qualified name, namespace declarations made on it (`prefix`, `uri`),
    /// attributes (qualified name, value) and children.
    Element {
        /// `prefix:local` or `local`.
        name: String,
        /// `xmlns:prefix='uri'` (prefix `None` = default namespace) in document order.
        ns_decls: Vec<(Option<String>, String)>,
        /// Attributes in document order.
        attrs: Vec<(String, String)>,
        /// Children.
        children: Vec<MetaNode>,
    },
    /// Character data.
    Text(String),
    /// `<![CDATA[…]]>`.
    CData(String),
    /// `<!--…-->`.
    Comment(String),
    /// `<?target value?>`.
    Pi(String, Option<String>),
}

/// The `<metadata>` element as libvirt keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// Namespaces the kept children use but that were declared outside `<metadata>`
    /// (on `<network>`): libxml2's copy re-declares them on the copied `<metadata>`.
    pub ns_decls: Vec<(Option<String>, String)>,
    /// The kept children (namespaced elements, first of each namespace).
    pub children: Vec<MetaNode>,
}

impl Metadata {
    /// Copies `<metadata>` with libvirt's namespace sanitising.
    pub(crate) fn parse(node: Node<'_, '_>) -> Metadata {
        let mut seen: Vec<&str> = Vec::new();
        let mut children = Vec::new();
        let mut outer = Vec::new();
        for c in node.children().filter(|c| c.is_element()) {
            let Some(uri) = c.tag_name().namespace() else {
                continue;
            };
            if seen.contains(&uri) {
                continue;
            }
            seen.push(uri);
            children.push(copy_element(c, &mut Vec::new(), &mut outer));
        }
        Metadata {
            ns_decls: outer,
            children,
        }
    }

    /// The serialised element at indentation `level` (2 spaces per level); the first line
    /// carries no indentation and there is no final newline, as `xmlNodeDump` produces.
    pub(crate) fn to_libxml(&self, level: usize) -> String {
        let mut out = String::new();
        let root = MetaNode::Element {
            name: "metadata".into(),
            ns_decls: self.ns_decls.clone(),
            attrs: Vec::new(),
            children: self.children.clone(),
        };
        dump(&mut out, &root, level, true);
        out
    }
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A namespace binding: prefix (`None` = default namespace) and URI.
type NsDecl = (Option<String>, String);

/// The prefix bound to `uri` in scope of `node` (`None` for the default namespace).
fn prefix_for<'a>(node: Node<'a, '_>, uri: &str) -> Option<&'a str> {
    if uri == XML_NS {
        return Some("xml");
    }
    node.namespaces()
        .find(|ns| ns.uri() == uri)
        .and_then(|ns| ns.name())
}

/// Qualified name with the prefix the document used; records in `outer` a binding that
/// neither this copy nor its copied ancestors (`scope`) declare.
fn qualify(
    node: Node<'_, '_>,
    local: &str,
    uri: Option<&str>,
    scope: &[NsDecl],
    outer: &mut Vec<NsDecl>,
) -> String {
    let Some(uri) = uri else {
        return local.to_owned();
    };
    let prefix = prefix_for(node, uri);
    if uri != XML_NS {
        let binding = (prefix.map(str::to_owned), uri.to_owned());
        let declared = scope.iter().chain(outer.iter()).any(|d| d.0 == binding.0);
        if !declared {
            outer.push(binding);
        }
    }
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

/// Namespace declarations made on `node` itself: roxmltree lists an element's own
/// declarations plus the inherited ones; the own ones are those the parent lacks.
fn own_ns_decls(node: Node<'_, '_>) -> Vec<NsDecl> {
    let parent_ns: Vec<(Option<&str>, &str)> = node
        .parent_element()
        .map(|p| p.namespaces().map(|n| (n.name(), n.uri())).collect())
        .unwrap_or_default();
    node.namespaces()
        .filter(|n| !parent_ns.contains(&(n.name(), n.uri())))
        .map(|n| (n.name().map(str::to_owned), n.uri().to_owned()))
        .collect()
}

/// Copies an element the way `xmlCopyNode` does; `scope` holds the bindings declared by
/// the copied ancestors, `outer` collects bindings that must go on the copy's root.
fn copy_element(node: Node<'_, '_>, scope: &mut Vec<NsDecl>, outer: &mut Vec<NsDecl>) -> MetaNode {
    let ns_decls = own_ns_decls(node);
    let depth = scope.len();
    scope.extend(ns_decls.iter().cloned());
    let tag = node.tag_name();
    let name = qualify(node, tag.name(), tag.namespace(), scope, outer);
    let attrs = node
        .attributes()
        .map(|a| {
            let name = qualify(node, a.name(), a.namespace(), scope, outer);
            (name, a.value().to_owned())
        })
        .collect();
    let kids: Vec<Node<'_, '_>> = node.children().collect();
    let mut children = Vec::new();
    for (i, c) in kids.iter().enumerate() {
        match c.node_type() {
            NodeType::Element => children.push(copy_element(*c, scope, outer)),
            NodeType::Text => {
                let t = c.text().unwrap_or("");
                let last_sibling = i + 1 == kids.len();
                if is_ignorable_blank(t, last_sibling, &children) {
                    continue;
                }
                children.extend(text_segments(*c));
            }
            NodeType::Comment => {
                children.push(MetaNode::Comment(c.text().unwrap_or("").to_owned()))
            }
            NodeType::PI => {
                if let Some(pi) = c.pi() {
                    children.push(MetaNode::Pi(
                        pi.target.to_owned(),
                        pi.value.map(str::to_owned),
                    ));
                }
            }
            NodeType::Root => {}
        }
    }
    scope.truncate(depth);
    MetaNode::Element {
        name,
        ns_decls,
        attrs,
        children,
    }
}

/// roxmltree merges CDATA sections into the surrounding text; libxml2 keeps them apart.
/// Re-split the node's source into plain text and CDATA pieces, falling back to the
/// decoded text when the source does not decode to the same characters.
fn text_segments(node: Node<'_, '_>) -> Vec<MetaNode> {
    let decoded = node.text().unwrap_or("");
    let input = node.document().input_text();
    // the merged text runs from the node's start up to the first markup that is not CDATA
    let tail = input.get(node.range().start..).unwrap_or("");
    let mut len = 0;
    while len < tail.len() {
        let here = &tail[len..];
        if let Some(after) = here.strip_prefix("<![CDATA[") {
            match after.find("]]>") {
                Some(end) => len += "<![CDATA[".len() + end + 3,
                None => break,
            }
        } else if here.starts_with('<') {
            break;
        } else {
            len += here.chars().next().map_or(1, char::len_utf8);
        }
    }
    let raw = &tail[..len];
    if !raw.contains("<![CDATA[") {
        return vec![MetaNode::Text(decoded.to_owned())];
    }
    let mut out = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let Some(end) = after.find("]]>") else {
                break;
            };
            out.push(MetaNode::CData(after[..end].to_owned()));
            rest = &after[end + 3..];
        } else {
            let end = rest.find("<![CDATA[").unwrap_or(rest.len());
            out.push(MetaNode::Text(decode_entities(&rest[..end])));
            rest = &rest[end..];
        }
    }
    let rebuilt: String = out
        .iter()
        .map(|n| match n {
            MetaNode::Text(t) | MetaNode::CData(t) => t.as_str(),
            _ => "",
        })
        .collect();
    if rest.is_empty() && rebuilt == decoded {
        out
    } else {
        vec![MetaNode::Text(decoded.to_owned())]
    }
}

/// The predefined and numeric character references (no DTD entities exist: DTDs are
/// refused at parse time).
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let Some(semi) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let name = &tail[1..semi];
        let ch = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => name
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=semi]),
        }
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    out
}

/// libxml2's `areBlanks` heuristic without a DTD, decided while the parent is being
/// built: a whitespace-only text is dropped unless it is the element's only content
/// (nothing kept yet and the end tag follows) or text was kept before it.
fn is_ignorable_blank(t: &str, last_sibling: bool, kept: &[MetaNode]) -> bool {
    if !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
        return false;
    }
    if kept.is_empty() && last_sibling {
        return false;
    }
    let is_text = |n: Option<&MetaNode>| matches!(n, Some(MetaNode::Text(_)));
    !(is_text(kept.last()) || is_text(kept.first()))
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level * 2));
}

/// `xmlNodeDumpOutput` for one node at `level`, `format` = indentation allowed.
fn dump(out: &mut String, node: &MetaNode, level: usize, format: bool) {
    match node {
        MetaNode::Text(t) => oxvirt_xml::raw::escape_libxml2_text(out, t),
        MetaNode::CData(t) => {
            out.push_str("<![CDATA[");
            out.push_str(t);
            out.push_str("]]>");
        }
        MetaNode::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        MetaNode::Pi(target, value) => {
            out.push_str("<?");
            out.push_str(target);
            if let Some(v) = value {
                out.push(' ');
                out.push_str(v);
            }
            out.push_str("?>");
        }
        MetaNode::Element {
            name,
            ns_decls,
            attrs,
            children,
        } => {
            out.push('<');
            out.push_str(name);
            for (prefix, uri) in ns_decls {
                match prefix {
                    Some(p) => {
                        let _ = write!(out, " xmlns:{p}=\"");
                    }
                    None => out.push_str(" xmlns=\""),
                }
                escape_attr(out, uri);
                out.push('"');
            }
            for (k, v) in attrs {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                escape_attr(out, v);
                out.push('"');
            }
            if children.is_empty() {
                out.push_str("/>");
                return;
            }
            out.push('>');
            // libxml2 stops indenting inside an element that has text
            let inner_format = format
                && !children
                    .iter()
                    .any(|c| matches!(c, MetaNode::Text(_) | MetaNode::CData(_)));
            if inner_format {
                out.push('\n');
            }
            for c in children {
                if inner_format {
                    indent(out, level + 1);
                }
                dump(out, c, level + 1, inner_format);
                if inner_format {
                    out.push('\n');
                }
            }
            if inner_format {
                indent(out, level);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

fn push_charref(out: &mut String, c: char) {
    let _ = write!(out, "&#x{:X};", c as u32);
}

/// libxml2's attribute escaping without a document encoding (non-ASCII as references).
fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) >= 0x80 => push_charref(out, c),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(xml: &str) -> String {
        let doc = roxmltree::Document::parse(xml).expect("test XML");
        Metadata::parse(doc.root_element()).to_libxml(1)
    }

    #[test]
    fn test_metadata_keeps_first_element_per_namespace() {
        let out = meta(
            "<metadata>\n  <a:x xmlns:a='urn:a'>1</a:x>\n  <a:y xmlns:a='urn:a'/>\n  <plain/>\n</metadata>",
        );
        assert_eq!(
            out,
            "<metadata>\n    <a:x xmlns:a=\"urn:a\">1</a:x>\n  </metadata>"
        );
    }

    #[test]
    fn test_metadata_indents_nested_elements() {
        let out = meta("<metadata><b:r xmlns:b='urn:b'><b:c k='v'/></b:r></metadata>");
        assert_eq!(
            out,
            "<metadata>\n    <b:r xmlns:b=\"urn:b\">\n      <b:c k=\"v\"/>\n    </b:r>\n  </metadata>"
        );
    }

    #[test]
    fn test_metadata_without_kept_children_is_empty_element() {
        assert_eq!(meta("<metadata><x/></metadata>"), "<metadata/>");
    }
}
