#!/usr/bin/env bash
# Side-by-side benchmark of the QEMU driver: oxvirtd and Debian's libvirtd 9.0 driving the
# same QEMU, in one run, with the project's shared benchmark script (bench_qemu.py):
#   firstuse  — open, first listAllDomains, first/second getCapabilities (cold caps cache),
#               first/second createXML, right after the daemon started;
#   lifecycle — createXML until running, destroy, define, start, destroy, undefine.
# Needs root, /usr/bin/python3 with python3-libvirt, qemu-system-x86, and libvirt-daemon +
# libvirt-daemon-driver-qemu for the reference daemon (started in a private mount
# namespace by ../shared/bench/start_libvirtd.sh; nothing under /etc is changed).
# Usage: bench/compare_qemu.sh [OUT_DIR]          (REPEAT=10 by default)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$ROOT/../shared/bench
OUT=${1:-$ROOT/target/bench-qemu}
REPEAT=${REPEAT:-10}
PY=/usr/bin/python3
export SCRATCH=${SCRATCH:-/tmp/oxvirt-bench-qemu-scratch}
mkdir -p "$OUT" "$SCRATCH"
if python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' 2>/dev/null; then VT=kvm; else VT=qemu; fi

wait_sock() { for _ in $(seq 500); do [ -S "$1" ] && return 0; sleep 0.02; done; echo "no socket $1" >&2; return 1; }

cargo build --release --quiet -p oxvirtd --manifest-path "$ROOT/Cargo.toml"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/oxvirtd
OXDIR=$(mktemp -d)
"$BIN" --runtime-dir "$OXDIR" --root "$OXDIR/root" >/dev/null &
OXPID=$!
trap 'kill $OXPID 2>/dev/null || true; "$SHARED/stop_libvirtd.sh" || true; rm -rf "$OXDIR"' EXIT
wait_sock "$OXDIR/libvirt-sock"
OXURI="qemu+unix:///system?socket=$OXDIR/libvirt-sock"
echo "== oxvirtd ($VT)" >&2
$PY "$SHARED/bench_qemu.py" firstuse --uri "$OXURI" --virt-type "$VT" > "$OUT/firstuse_oxvirtd.json"
$PY "$SHARED/bench_qemu.py" lifecycle --uri "$OXURI" --virt-type "$VT" --repeat "$REPEAT" > "$OUT/lifecycle_oxvirtd.json"
kill $OXPID; wait $OXPID 2>/dev/null || true

# libvirtd probes with an empty cache too (its cache of this machine's installed libvirt).
rm -rf /var/cache/libvirt/qemu/capabilities
"$SHARED/start_libvirtd.sh" >/dev/null
wait_sock /run/libvirt/libvirt-sock
LVURI="qemu+unix:///system?socket=/run/libvirt/libvirt-sock"
echo "== libvirtd ($VT)" >&2
$PY "$SHARED/bench_qemu.py" firstuse --uri "$LVURI" --virt-type "$VT" > "$OUT/firstuse_libvirtd.json"
$PY "$SHARED/bench_qemu.py" lifecycle --uri "$LVURI" --virt-type "$VT" --repeat "$REPEAT" > "$OUT/lifecycle_libvirtd.json"

$PY - "$OUT" <<'PYEOF'
import json, os, sys
out = sys.argv[1]
def load(n):
    return json.load(open(os.path.join(out, n)))
def med(v):
    return v["median"] if isinstance(v, dict) else v
print("| metric (ms) | oxvirtd | libvirtd 9.0 | ratio |")
print("|---|---|---|---|")
for kind in ("firstuse", "lifecycle"):
    ox = load(f"{kind}_oxvirtd.json")["results"]
    lv = load(f"{kind}_libvirtd.json")["results"]
    for k in ox:
        a, b = med(ox[k]), med(lv[k])
        ratio = f"{b / a:.1f}x" if a else "-"
        print(f"| {kind}: {k} | {a:.1f} | {b:.1f} | {ratio} |")
PYEOF
