#!/usr/bin/env bash
# Side-by-side benchmark of the test:///default driver behind oxvirtd and behind Debian's
# libvirtd, in one run, with the project's shared benchmark scripts (../shared/bench).
# Needs root (libvirtd runs in a private mount namespace), /usr/bin/python3 with
# python3-libvirt, and libvirt-daemon for the reference daemon.
# Usage: bench/compare_test_driver.sh [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$ROOT/../shared/bench
OUT=${1:-$ROOT/target/bench-test-driver}
PY=/usr/bin/python3
export SCRATCH=${SCRATCH:-/tmp/oxvirt-bench-scratch}
mkdir -p "$OUT" "$SCRATCH"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
wait_sock() { for _ in $(seq 500); do [ -S "$1" ] && return 0; sleep 0.02; done; echo "no socket $1" >&2; return 1; }

cargo build --release --quiet -p oxvirtd --manifest-path "$ROOT/Cargo.toml"
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/oxvirtd
OXDIR=$(mktemp -d)
"$BIN" --runtime-dir "$OXDIR" >/dev/null &
OXPID=$!
trap 'kill $OXPID 2>/dev/null || true; "$SHARED/stop_libvirtd.sh" || true; rm -rf "$OXDIR"' EXIT
wait_sock "$OXDIR/libvirt-sock"
OXURI="test+unix:///default?socket=$OXDIR/libvirt-sock"

"$SHARED/start_libvirtd.sh" >/dev/null
wait_sock /run/libvirt/libvirt-sock
LVPID=$(cat "$SCRATCH/libvirtd.pid")
LVURI="test+unix:///default?socket=/run/libvirt/libvirt-sock"
sleep 2
echo "{\"oxvirtd_idle_rss_kib\": $(rss_kib $OXPID), \"libvirtd_idle_rss_kib\": $(rss_kib $LVPID)}" > "$OUT/idle_rss.json"

for who in oxvirtd libvirtd; do
    if [ $who = oxvirtd ]; then uri=$OXURI; pid=$OXPID; else uri=$LVURI; pid=$LVPID; fi
    echo "== $who: bench_api" >&2
    $PY "$SHARED/bench_api.py" --uri "$uri" --repeat 5 > "$OUT/api_$who.json"
    echo "== $who: bench_concurrency" >&2
    $PY "$SHARED/bench_concurrency.py" --uri "$uri" --procs 1,4,16 --repeat 3 --daemon-pid "$pid" > "$OUT/concurrency_$who.json"
done

$PY - "$OUT" <<'PYEOF'
import json, sys, os
out = sys.argv[1]
rss = json.load(open(os.path.join(out, "idle_rss.json")))
def load(name):
    return json.load(open(os.path.join(out, name)))
def med(v):
    return v["median"] if isinstance(v, dict) else v
print("| metric | oxvirtd | libvirtd |")
print("|---|---|---|")
api = {w: load(f"api_{w}.json")["metrics"] for w in ("oxvirtd", "libvirtd")}
for key, label in (("noop_us", "no-op RPC µs"), ("lookup_us", "lookupByName µs"),
                   ("xmldesc_us", "XMLDesc µs"), ("define_ops_s", "defineXML /s")):
    print(f"| {label} | {med(api['oxvirtd'][key]):.1f} | {med(api['libvirtd'][key]):.1f} |")
conc = {w: load(f"concurrency_{w}.json")["results"] for w in ("oxvirtd", "libvirtd")}
for procs in conc["oxvirtd"]:
    o, l = conc["oxvirtd"][procs], conc["libvirtd"][procs]
    print(f"| {procs} clients calls/s | {med(o['calls_per_s']):.0f} | {med(l['calls_per_s']):.0f} |")
    print(f"| {procs} clients daemon CPU ms/1000 calls | {med(o['daemon_cpu_ms_per_1000_calls']):.1f} "
          f"| {med(l['daemon_cpu_ms_per_1000_calls']):.1f} |")
print(f"| idle RSS MiB | {rss['oxvirtd_idle_rss_kib']/1024:.1f} | {rss['libvirtd_idle_rss_kib']/1024:.1f} |")
PYEOF
