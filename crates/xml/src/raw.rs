//! An untyped element tree, for XML libvirt keeps without understanding it (`<metadata>`,
//! hypervisor namespaces) and for parts of a definition not modelled as types yet.
//!
//! Flow: [`RawElement::from_node`] copies a `roxmltree` node (names with their prefixes,
//! attributes in document order, namespace declarations made on the node, text), dropping
//! whitespace-only text between elements as libvirt's parser does. Two formatters follow:
//! [`RawElement::write`] prints it the way libvirt's own formatters print elements
//! (single quotes, through [`XmlWriter`]), and [`RawElement::dump_libxml2`] the way libxml2's
//! `xmlNodeDump` prints a foreign subtree (double quotes, `xmlns` declarations), which is
//! what libvirt uses for `<metadata>` children.

use crate::XmlWriter;
use roxmltree::Node;

/// One child of a [`RawElement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawNode {
    /// A nested element.
    Element(RawElement),
    /// Character data (already unescaped).
    Text(String),
}

/// An element copied verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawElement {
    /// Qualified name (`prefix:local` or `local`).
    pub name: String,
    /// Namespace declarations made on this element: `(prefix, uri)`, empty prefix for the
    /// default namespace.
    pub namespaces: Vec<(String, String)>,
    /// Attributes in document order, qualified names.
    pub attrs: Vec<(String, String)>,
    /// Children in document order.
    pub children: Vec<RawNode>,
}

fn qualified(node: Node<'_, '_>, local: &str, ns: Option<&str>) -> String {
    match ns.and_then(|uri| node.lookup_prefix(uri)) {
        Some(p) if !p.is_empty() => format!("{p}:{local}"),
        _ => local.to_owned(),
    }
}

impl RawElement {
    /// Copies `node` and its subtree.
    pub fn from_node(node: Node<'_, '_>) -> RawElement {
        let tag = node.tag_name();
        let name = qualified(node, tag.name(), tag.namespace());
        // Declarations made here are those in scope here but not in the parent's scope.
        let parent_ns: Vec<(Option<&str>, &str)> = node
            .parent_element()
            .map(|p| p.namespaces().map(|n| (n.name(), n.uri())).collect())
            .unwrap_or_default();
        let namespaces = node
            .namespaces()
            .filter(|n| n.name() != Some("xml") && !parent_ns.contains(&(n.name(), n.uri())))
            .map(|n| (n.name().unwrap_or("").to_owned(), n.uri().to_owned()))
            .collect();
        let attrs = node
            .attributes()
            .map(|a| {
                (
                    qualified(node, a.name(), a.namespace()),
                    a.value().to_owned(),
                )
            })
            .collect();
        let has_elements = node.children().any(|c| c.is_element());
        let mut children = Vec::new();
        for c in node.children() {
            if c.is_element() {
                children.push(RawNode::Element(RawElement::from_node(c)));
            } else if c.is_text() {
                let t = c.text().unwrap_or("");
                // Indentation between elements is not content.
                if has_elements && t.trim().is_empty() {
                    continue;
                }
                children.push(RawNode::Text(t.to_owned()));
            }
        }
        RawElement {
            name,
            namespaces,
            attrs,
            children,
        }
    }

    /// The value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or adds at the end) attribute `key`.
    pub fn set_attr(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key.to_owned(), value)),
        }
    }

    /// Removes attribute `key`, returning its value.
    pub fn remove_attr(&mut self, key: &str) -> Option<String> {
        let i = self.attrs.iter().position(|(k, _)| k == key)?;
        Some(self.attrs.remove(i).1)
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &RawElement> {
        self.children.iter().filter_map(|c| match c {
            RawNode::Element(e) => Some(e),
            RawNode::Text(_) => None,
        })
    }

    /// Mutable child elements.
    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut RawElement> {
        self.children.iter_mut().filter_map(|c| match c {
            RawNode::Element(e) => Some(e),
            RawNode::Text(_) => None,
        })
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&RawElement> {
        self.elements().find(|e| e.name == name)
    }

    /// Concatenated text children.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|c| match c {
                RawNode::Text(t) => Some(t.as_str()),
                RawNode::Element(_) => None,
            })
            .collect()
    }

    /// Writes the element in libvirt's layout (single quotes, two-space indentation).
    pub fn write(&self, w: &mut XmlWriter) {
        w.start(&self.name);
        for (p, uri) in &self.namespaces {
            if p.is_empty() {
                w.attr("xmlns", uri);
            } else {
                w.attr(&format!("xmlns:{p}"), uri);
            }
        }
        for (k, v) in &self.attrs {
            w.attr(k, v);
        }
        for c in &self.children {
            match c {
                RawNode::Element(e) => e.write(w),
                RawNode::Text(t) => {
                    w.text(t);
                }
            }
        }
        w.end();
    }

    /// libxml2's `xmlNodeDump(…, level, format=1)` of this element, without a final newline;
    /// `declare` lists namespace declarations to print on the element (libvirt re-roots each
    /// metadata child so that it declares its own namespace).
    pub fn dump_libxml2(&self, level: usize, declare: &[(String, String)], out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (p, uri) in declare.iter().chain(self.namespaces.iter()) {
            if p.is_empty() {
                out.push_str(" xmlns=\"");
            } else {
                out.push_str(" xmlns:");
                out.push_str(p);
                out.push_str("=\"");
            }
            escape_libxml2_attr(out, uri);
            out.push('"');
        }
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_libxml2_attr(out, v);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        // libxml2 indents children only when none of them is text.
        let format = self
            .children
            .iter()
            .all(|c| matches!(c, RawNode::Element(_)));
        for c in &self.children {
            match c {
                RawNode::Element(e) => {
                    if format {
                        out.push('\n');
                        out.extend(std::iter::repeat_n(' ', (level + 1) * 2));
                    }
                    e.dump_libxml2(level + 1, &[], out);
                }
                RawNode::Text(t) => escape_libxml2_text(out, t),
            }
        }
        if format {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', level * 2));
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn escape_libxml2_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

fn escape_libxml2_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Formats a `<metadata>` element as libvirt does: each child re-rooted with its own
/// namespace declaration and dumped by libxml2's rules, indented at the writer's depth.
pub fn write_metadata(w: &mut XmlWriter, metadata: &RawElement) {
    if metadata.elements().next().is_none() {
        w.start("metadata").end();
        return;
    }
    w.start("metadata");
    let mut lines = String::new();
    for child in metadata.elements() {
        let mut s = String::new();
        let declare: Vec<(String, String)> = match child.name.split_once(':') {
            Some((p, _)) if !child.namespaces.iter().any(|(q, _)| q == p) => metadata
                .namespaces
                .iter()
                .filter(|(q, _)| q == p)
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        child.dump_libxml2(0, &declare, &mut s);
        for line in s.lines() {
            lines.push_str(line);
            lines.push('\n');
        }
    }
    w.raw_lines(&lines);
    w.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_document;

    #[test]
    fn test_raw_write_round_trips_libvirt_layout() {
        let text = "<a x='1'>\n  <b y='2'/>\n  <c>t</c>\n</a>\n";
        let doc = parse_document(text).unwrap();
        let raw = RawElement::from_node(doc.root_element());
        let mut w = XmlWriter::new();
        raw.write(&mut w);
        assert_eq!(w.finish(), text);
    }

    #[test]
    fn test_metadata_dump_uses_double_quotes_and_declares_namespace() {
        let text = "<metadata>\n      <app1:foo xmlns:app1=\"http://foo.org/\">fooish</app1:foo>\n  <app2:bar xmlns:app2='http://bar.com/' maman='baz'>barish</app2:bar>\n  </metadata>";
        let doc = parse_document(text).unwrap();
        let raw = RawElement::from_node(doc.root_element());
        let mut w = XmlWriter::with_indent(1);
        write_metadata(&mut w, &raw);
        assert_eq!(
            w.finish(),
            "  <metadata>\n    <app1:foo xmlns:app1=\"http://foo.org/\">fooish</app1:foo>\n    <app2:bar xmlns:app2=\"http://bar.com/\" maman=\"baz\">barish</app2:bar>\n  </metadata>\n"
        );
    }
}
