//! `<cputune>`: kept as an element tree, with the parts libvirt normalises made canonical
//! and the resctrl rules libvirt enforces checked.
//!
//! Flow: [`normalize_cputune`] expands `<vcpusched vcpus='0-1'>` and `<iothreadsched>` into
//! one element per vCPU/iothread sorted by id (libvirt stores scheduling per thread), keeps
//! the other children in libvirt's order, and validates `<cachetune>`/`<memorytune>`:
//! no vCPU in two cache tunes, no duplicate or mixed-type allocations for one cache, monitors
//! only over the tune's vCPUs, memory tunes either equal to or disjoint from cache tunes.

use super::util::{format_bitmap, parse_bitmap};
use crate::ConfError;
use oxvirt_xml::{RawElement, RawNode};

fn bitmap_attr(e: &RawElement, attr: &str) -> Result<Vec<u32>, ConfError> {
    let v = e.attr(attr).unwrap_or("");
    parse_bitmap(v).ok_or_else(|| ConfError::XmlDetail(format!("Invalid value of '{attr}': {v}")))
}

fn expand(
    e: &RawElement,
    attr: &str,
    seen: &mut Vec<u32>,
    out: &mut Vec<(u32, RawElement)>,
) -> Result<(), ConfError> {
    for id in bitmap_attr(e, attr)? {
        if seen.contains(&id) {
            return Err(ConfError::XmlDetail(format!(
                "{attr} attribute of {} overlaps",
                e.name
            )));
        }
        seen.push(id);
        let mut one = e.clone();
        one.set_attr(attr, id.to_string());
        out.push((id, one));
    }
    Ok(())
}

fn validate_cachetunes(tunes: &[&RawElement], mem: &[&RawElement]) -> Result<(), ConfError> {
    let mut all: Vec<Vec<u32>> = Vec::new();
    for t in tunes {
        let vcpus = bitmap_attr(t, "vcpus")?;
        if all.iter().any(|o| o.iter().any(|v| vcpus.contains(v))) {
            return Err(ConfError::XmlDetail(
                "Overlapping vcpus in cachetunes".into(),
            ));
        }
        let mut caches: Vec<(String, String, String)> = Vec::new();
        for c in t.elements().filter(|c| c.name == "cache") {
            let id = c.attr("id").unwrap_or("").to_owned();
            let level = c.attr("level").unwrap_or("").to_owned();
            let ty = c.attr("type").unwrap_or("").to_owned();
            for (oid, olevel, oty) in &caches {
                if *oid == id && *olevel == level && (*oty == ty || *oty == "both" || ty == "both")
                {
                    return Err(ConfError::XmlDetail(format!(
                        "Attempting to set cache allocation for cache level '{level}' id '{id}' type '{ty}' more than once"
                    )));
                }
            }
            caches.push((id, level, ty));
        }
        for m in t.elements().filter(|c| c.name == "monitor") {
            let mv = bitmap_attr(m, "vcpus")?;
            if !mv.iter().all(|v| vcpus.contains(v)) {
                return Err(ConfError::XmlDetail(
                    "Monitor vcpus conflicts with allocation".into(),
                ));
            }
        }
        all.push(vcpus);
    }
    let mut mem_all: Vec<Vec<u32>> = Vec::new();
    for m in mem {
        let vcpus = bitmap_attr(m, "vcpus")?;
        if mem_all.iter().any(|o| o.iter().any(|v| vcpus.contains(v))) {
            return Err(ConfError::XmlDetail(
                "Overlapping vcpus in memorytunes".into(),
            ));
        }
        for c in &all {
            let overlap = c.iter().any(|v| vcpus.contains(v));
            if overlap && *c != vcpus {
                return Err(ConfError::XmlDetail(
                    "Overlapping vcpus in memorytunes".into(),
                ));
            }
        }
        mem_all.push(vcpus);
    }
    Ok(())
}

/// Canonicalises and validates a `<cputune>` element in place.
pub fn normalize_cputune(e: &mut RawElement) -> Result<(), ConfError> {
    let mut vcpu_sched = Vec::new();
    let mut io_sched = Vec::new();
    let (mut vseen, mut iseen) = (Vec::new(), Vec::new());
    let mut rest = Vec::new();
    let mut tail = Vec::new();
    for c in e.elements() {
        match c.name.as_ref() {
            "vcpusched" => expand(c, "vcpus", &mut vseen, &mut vcpu_sched)?,
            "iothreadsched" => expand(c, "iothreads", &mut iseen, &mut io_sched)?,
            "cachetune" | "memorytune" => tail.push(c.clone()),
            _ => rest.push(c.clone()),
        }
    }
    let tunes: Vec<&RawElement> = tail.iter().filter(|t| t.name == "cachetune").collect();
    let mems: Vec<&RawElement> = tail.iter().filter(|t| t.name == "memorytune").collect();
    validate_cachetunes(&tunes, &mems)?;
    for t in tail.iter_mut() {
        let v = bitmap_attr(t, "vcpus")?;
        t.set_attr("vcpus", format_bitmap(&v));
    }
    vcpu_sched.sort_by_key(|(id, _)| *id);
    io_sched.sort_by_key(|(id, _)| *id);
    e.children = rest
        .into_iter()
        .chain(vcpu_sched.into_iter().map(|(_, x)| x))
        .chain(io_sched.into_iter().map(|(_, x)| x))
        .chain(tail)
        .map(RawNode::Element)
        .collect();
    Ok(())
}
