//! Replays captured traffic and a few hostile inputs through the fuzz targets.

use std::path::PathBuf;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn test_packet_decode_replays_captures() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/protocol/tests/data/captures");
    let scenarios = std::fs::read_dir(&dir).expect("the protocol crate's captures");
    let mut count = 0;
    for scenario in scenarios.flatten().filter(|e| e.path().is_dir()) {
        for file in std::fs::read_dir(scenario.path()).unwrap().flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if !(name.starts_with("conn") && name.ends_with(".jsonl")) {
                continue;
            }
            for line in std::fs::read_to_string(file.path()).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                oxvirt_fuzz::packet_decode(&hex(v["hex"].as_str().unwrap()));
                count += 1;
            }
        }
    }
    assert!(count > 100, "replayed only {count} packets");
}

#[test]
fn test_packet_decode_hostile_inputs() {
    let huge_count = [
        &[0, 0, 0, 36][..],
        &[
            0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
    ]
    .concat();
    for input in [&[][..], &[0xff; 8], &[0, 0, 0, 28], &huge_count] {
        oxvirt_fuzz::packet_decode(input);
    }
}

#[test]
fn test_xml_parse_replays_libvirt_network_corpus() {
    let Some(src) = oxvirt_testutil::libvirt_src() else {
        return;
    };
    let files = std::fs::read_dir(src.join("tests/networkxml2xmlin")).expect("network corpus");
    let mut count = 0;
    for file in files.flatten() {
        oxvirt_fuzz::xml_parse(&std::fs::read(file.path()).unwrap());
        count += 1;
    }
    assert!(count > 20, "replayed only {count} documents");
}

#[test]
fn test_xml_parse_hostile_inputs() {
    let inputs: [&[u8]; 6] = [
        b"",
        b"\xff\xfe<network/>",
        b"<network><name>n</name><domain name='a&apos;b'/></network>",
        b"<network><name>n</name><virtualport type='openvswitch'>\
          <parameters profileid='a&lt;b'/></virtualport></network>",
        b"<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os>\
          <devices><interface type='network'><source network='x'/>\
          <actual type='bridge'><source bridge='b'/></actual></interface></devices></domain>",
        b"<!DOCTYPE network [<!ENTITY a 'b'>]><network><name>&a;</name></network>",
    ];
    for input in inputs {
        oxvirt_fuzz::xml_parse(input);
    }
}
