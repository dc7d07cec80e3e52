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
use crate::names::NAMES;
use roxmltree::Node;
use std::borrow::Cow;

/// An element or attribute name: borrowed from libvirt's vocabulary when it is one of its
/// names (no allocation), owned otherwise.
pub type Name = Cow<'static, str>;

/// `s` as a [`Name`], without allocating when it is a libvirt element or attribute name.
pub fn intern(s: &str) -> Name {
    if s.len() > MAX_WORD {
        return Cow::Owned(s.to_owned());
    }
    match NAME_TABLE[lookup_slot(s.as_bytes())] {
        0 => Cow::Owned(s.to_owned()),
        i => Cow::Borrowed(NAMES[usize::from(i) - 1]),
    }
}

/// Open-addressed hash table over [`NAMES`] (index + 1, 0 = empty), built at compile time so
/// a lookup is one hash and usually one comparison.
const TABLE_BITS: u32 = 12;
const TABLE_LEN: usize = 1 << TABLE_BITS;
static NAME_TABLE: [u16; TABLE_LEN] = build_table();

/// Longest word in [`NAMES`] worth looking up; longer strings (paths) are copied at once.
const MAX_WORD: usize = 48;

/// A hash of the length and three sampled bytes: enough to tell libvirt's words apart
/// (collisions are resolved by probing) at a fixed cost whatever the length.
const fn word_hash(b: &[u8]) -> u32 {
    let n = b.len();
    if n == 0 {
        return 0;
    }
    let mut h = (n as u32).wrapping_mul(0x9e37_79b9);
    h ^= (b[0] as u32).wrapping_mul(0x85eb_ca6b);
    h ^= (b[n - 1] as u32).wrapping_mul(0xc2b2_ae35);
    h ^= (b[n / 2] as u32).wrapping_mul(0x27d4_eb2f);
    h ^= h >> 15;
    h.wrapping_mul(0x2c1b_3c6d)
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn build_table() -> [u16; TABLE_LEN] {
    let mut t = [0u16; TABLE_LEN];
    let mut n = 0;
    while n < NAMES.len() {
        let mut slot = (word_hash(NAMES[n].as_bytes()) >> (32 - TABLE_BITS)) as usize;
        while t[slot] != 0 {
            slot = (slot + 1) % TABLE_LEN;
        }
        t[slot] = (n + 1) as u16;
        n += 1;
    }
    t
}

/// The slot holding `b`, or the empty slot where its probe ends.
fn lookup_slot(b: &[u8]) -> usize {
    let mut slot = (word_hash(b) >> (32 - TABLE_BITS)) as usize;
    loop {
        match NAME_TABLE[slot] {
            0 => return slot,
            i if bytes_eq(NAMES[usize::from(i) - 1].as_bytes(), b) => return slot,
            _ => slot = (slot + 1) % TABLE_LEN,
        }
    }
}

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
    pub name: Name,
    /// Namespace declarations made on this element: `(prefix, uri)`, empty prefix for the
    /// default namespace.
    pub namespaces: Vec<(String, String)>,
    /// Attributes in document order: qualified names and values (values from libvirt's
    /// vocabulary are borrowed, like names).
    pub attrs: Vec<(Name, Name)>,
    /// Children in document order.
    pub children: Vec<RawNode>,
}

fn qualified(node: Node<'_, '_>, local: &str, ns: Option<&str>) -> Name {
    match ns.and_then(|uri| node.lookup_prefix(uri)) {
        Some(p) if !p.is_empty() => Cow::Owned(format!("{p}:{local}")),
        _ => intern(local),
    }
}

impl RawElement {
    /// An element with attributes and no children.
    pub fn new(name: &str, attrs: &[(&str, &str)]) -> RawElement {
        RawElement {
            name: intern(name),
            attrs: attrs.iter().map(|(k, v)| (intern(k), intern(v))).collect(),
            ..RawElement::default()
        }
    }

    /// Inserts attribute `key` right after attribute `after` (at the end when `after` is
    /// absent): libvirt prints attributes in a fixed order.
    pub fn insert_attr_after(&mut self, after: &str, key: &str, value: &str) {
        let at = self
            .attrs
            .iter()
            .position(|(k, _)| k == after)
            .map_or(self.attrs.len(), |p| p + 1);
        self.attrs.insert(at, (intern(key), intern(value)));
    }

    /// Copies `node` and its subtree.
    pub fn from_node(node: Node<'_, '_>) -> RawElement {
        Self::from_node_without(node, &[])
    }

    /// Copies `node` and its subtree except the direct child elements named in `skip`
    /// (parts a typed parser has already taken).
    pub fn from_node_without(node: Node<'_, '_>, skip: &[&str]) -> RawElement {
        let tag = node.tag_name();
        let name = qualified(node, tag.name(), tag.namespace());
        // Declarations made here are those in scope here but not in the parent's scope.
        // Scopes only grow downwards, so an element whose scope is as large as its parent's
        // declares nothing (the common case: no allocation).
        let parent = node.parent_element();
        let parent_len = parent.map_or(0, |p| p.namespaces().len());
        let namespaces = if node.namespaces().len() == parent_len && parent.is_some() {
            Vec::new()
        } else {
            node.namespaces()
                .filter(|n| {
                    n.name() != Some("xml")
                        && !parent.is_some_and(|p| {
                            p.namespaces()
                                .any(|q| q.name() == n.name() && q.uri() == n.uri())
                        })
                })
                .map(|n| (n.name().unwrap_or("").to_owned(), n.uri().to_owned()))
                .collect()
        };
        let attrs = node
            .attributes()
            .map(|a| (qualified(node, a.name(), a.namespace()), intern(a.value())))
            .collect();
        let has_elements = node.children().any(|c| c.is_element());
        let mut children = Vec::new();
        for c in node.children() {
            if c.is_element() {
                if !skip.is_empty() && skip.contains(&c.tag_name().name()) {
                    continue;
                }
                children.push(RawNode::Element(RawElement::from_node(c)));
            } else if c.is_text() {
                let t = c.text().unwrap_or("");
                // Indentation between elements is not content.
                if has_elements && crate::read::is_blank(t) {
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
            .map(|(_, v)| v.as_ref())
    }

    /// Sets (or adds at the end) attribute `key`.
    pub fn set_attr(&mut self, key: &str, value: impl Into<String>) {
        let value = Cow::Owned(value.into());
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((intern(key), value)),
        }
    }

    /// Removes attribute `key`, returning its value.
    pub fn remove_attr(&mut self, key: &str) -> Option<String> {
        let i = self.attrs.iter().position(|(k, _)| k == key)?;
        Some(self.attrs.remove(i).1.into_owned())
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

/// Escapes element text the way libxml2 serialises it (what libvirt prints for
/// `<metadata>` content): `<`, `>`, `&` and carriage return only.
pub fn escape_libxml2_text(out: &mut String, s: &str) {
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
    fn test_intern_borrows_known_names_and_copies_others() {
        assert!(matches!(intern("address"), Cow::Borrowed("address")));
        assert!(matches!(intern("no-such-name"), Cow::Owned(_)));
    }

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
