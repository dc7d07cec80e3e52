//! XDR names → Rust names: `remote_domain_get_info_args` → `DomainGetInfoArgs`,
//! `nrVirtCpu` → `nr_virt_cpu`, `type` → `r#type`. Acronyms become words (`Xml`,
//! `Uuid`, `Id`) because every word is capitalised the same way.

/// Rust keywords that need `r#` (or, for the few that cannot be raw, a trailing `_`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Words whose Rust spelling is not plain capitalisation (libvirt's C enum names of the
/// typed parameter types: `VIR_TYPED_PARAM_ULLONG` → `ULLong`).
const WORDS: &[(&str, &str)] = &[("uint", "UInt"), ("llong", "LLong"), ("ullong", "ULLong")];

/// `domain_get_info_args` or `DOMAIN_GET_INFO` → `DomainGetInfoArgs` / `DomainGetInfo`.
pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if let Some((_, spelled)) = WORDS.iter().find(|(k, _)| w.eq_ignore_ascii_case(k)) {
                return (*spelled).to_owned();
            }
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// `nrVirtCpu` → `nr_virt_cpu`, `callbackID` → `callback_id`, `XMLDesc` → `xml_desc`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A field or binding name as Rust accepts it.
pub fn field_ident(name: &str) -> String {
    let s = snake(name);
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Splits an UPPER_SNAKE list of names into words and returns how many leading words all
/// of them share, keeping at least one word (and a word that does not start with a digit)
/// in each name.
pub fn common_word_prefix(names: &[&str]) -> usize {
    let split: Vec<Vec<&str>> = names.iter().map(|n| n.split('_').collect()).collect();
    let Some(first) = split.first() else {
        return 0;
    };
    let mut n = 0;
    while n < first.len() && split.iter().all(|w| w.len() > n && w[n] == first[n]) {
        n += 1;
    }
    // Back off until every name keeps a word and none starts with a digit.
    while n > 0
        && split.iter().any(|w| {
            w.len() <= n || w[n].is_empty() || w[n].starts_with(|c: char| c.is_ascii_digit())
        })
    {
        n -= 1;
    }
    n
}

/// Drops the first `words` words of an UPPER_SNAKE name and camel-cases the rest.
pub fn variant_name(name: &str, words: usize) -> String {
    let rest: Vec<&str> = name.split('_').skip(words).collect();
    camel(&rest.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_camel_struct_name_words_capitalised() {
        assert_eq!(camel("domain_get_xml_desc_args"), "DomainGetXmlDescArgs");
        assert_eq!(camel("DOMAIN_MIGRATE_PREPARE3"), "DomainMigratePrepare3");
        assert_eq!(camel("ULLONG"), "ULLong");
    }

    #[test]
    fn test_snake_mixed_case_split_at_humps_and_acronyms() {
        assert_eq!(snake("nrVirtCpu"), "nr_virt_cpu");
        assert_eq!(snake("callbackID"), "callback_id");
        assert_eq!(snake("usageID"), "usage_id");
        assert_eq!(snake("XMLDesc"), "xml_desc");
        assert_eq!(snake("hv_ver"), "hv_ver");
    }

    #[test]
    fn test_field_ident_keyword_made_raw() {
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
    }

    #[test]
    fn test_common_word_prefix_single_name_keeps_last_word() {
        assert_eq!(common_word_prefix(&["LXC_PROC_DOMAIN_OPEN"]), 3);
        assert_eq!(
            common_word_prefix(&["REMOTE_AUTH_NONE", "REMOTE_AUTH_SASL"]),
            2
        );
        assert_eq!(common_word_prefix(&["A_1X", "A_2Y"]), 0);
    }
}
