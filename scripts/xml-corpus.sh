#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs libvirt 9.0.0's XML round-trip corpus against oxvirt-xml.
#
#   1. libvirt's source from scripts/libvirt-src.sh ($LIBVIRT_SRC, else fetched once and cached);
#   2. build oxvirt-xml (release);
#   3. network + generic suites, open split: fail below 95 % round-trip or 90 % must-reject;
#   4. qemu suite: report the x86_64-latest round-trip rate only, twice: plain parse/format
#      (`--defaults plain`) and with the QEMU driver's post-parse defaults for the recorded
#      QEMU 8.0.0 x86_64 capabilities (`--defaults qemu`), which libvirt's expected files carry.
#
# No source available: prints `SKIP: …` and exits 0, unless OXVIRT_STRICT is set (exit 1).
# The harness is crates/xml-tool/tests/oracles/xml_corpus.py (a copy of ../shared/oracles').
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
oracles=$here/crates/xml-tool/tests/oracles
min_rt=${MIN_ROUNDTRIP:-95}
min_rej=${MIN_REJECT:-90}

skip() {
    echo "SKIP: $*"
    if [ -n "${OXVIRT_STRICT:-}" ]; then exit 1; fi
    exit 0
}

src=$(bash "$here/scripts/libvirt-src.sh") || skip "libvirt 9.0.0 source not available (set LIBVIRT_SRC)"
[ -d "$src/tests/genericxml2xmlindata" ] || skip "no libvirt test corpus under $src"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$here/target}
cargo build --release -q --manifest-path "$here/Cargo.toml" -p oxvirt-xml-tool
bin=$CARGO_TARGET_DIR/release/oxvirt-xml
cmd="$bin canon --kind {kind} --mode {mode} {in}"
jobs=${JOBS:-2}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== network + generic (open split)"
python3 "$oracles/xml_corpus.py" --libvirt-src "$src" --split open --suite network --suite generic \
    --jobs "$jobs" --cmd "$cmd" | tee "$out" || true

# Rows: suite kind pass fail error timeout; sum per kind over both suites.
read -r rt_pass rt_total rej_pass rej_total < <(awk -F'\t' '
    $2=="roundtrip" { rp+=$3; rt+=$3+$4+$5+$6 }
    $2=="reject"    { jp+=$3; jt+=$3+$4+$5+$6 }
    END { printf "%d %d %d %d\n", rp, rt, jp, jt }' "$out")
pct() { if [ "$2" -eq 0 ]; then echo 100; else echo $(( $1 * 100 / $2 )); fi; }
rt_pct=$(pct "$rt_pass" "$rt_total")
rej_pct=$(pct "$rej_pass" "$rej_total")
echo "round-trip: $rt_pass/$rt_total ($rt_pct %, need $min_rt %)"
echo "must-reject: $rej_pass/$rej_total ($rej_pct %, need $min_rej %)"

for defaults in plain qemu; do
    echo "== qemu x86_64-latest, --defaults $defaults (report only)"
    python3 "$oracles/xml_corpus.py" --libvirt-src "$src" --split open --suite qemu --no-reject \
        --filter 'x86_64-latest' --jobs "$jobs" \
        --cmd "$bin canon --defaults $defaults --kind {kind} --mode {mode} {in}" |
        grep -E '^(suite|qemu)|passed' || true
done

if [ "$rt_pct" -lt "$min_rt" ] || [ "$rej_pct" -lt "$min_rej" ]; then
    echo "FAIL: below threshold"
    exit 1
fi
echo "OK"
