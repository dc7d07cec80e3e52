#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what the tests need
# (stock libvirt clients are the judge of compatibility, real QEMU runs the VMs), fetches
# libvirt's source once for the XML corpus, then runs lint, unit, integration and
# conformance tests. Set OXVIRT_STRICT=1 to turn every skip into a failure.
#
# Everything else the tests read is in the repository. The last line sums every test run:
# `total: N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need_pkgs=()
for p in libvirt-clients python3-libvirt libxml2-utils xz-utils qemu-system-x86 qemu-utils g++; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing ${need_pkgs[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
    else
        echo "SKIP: cannot install ${need_pkgs[*]} without root; tests that need them will skip"
    fi
fi

# Every test output goes through here too, for the closing line.
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
export OXVIRT_SKIP_LOG=$results/skips
: > "$OXVIRT_SKIP_LOG"

echo "== libvirt source (the XML corpus)"
if LIBVIRT_SRC=$(bash scripts/libvirt-src.sh); then
    export LIBVIRT_SRC
    echo "LIBVIRT_SRC=$LIBVIRT_SRC"
else
    unset LIBVIRT_SRC
    if [ -n "${OXVIRT_STRICT:-}" ]; then echo "FAIL: libvirt's source is needed"; exit 1; fi
    echo "SKIP: libvirt's source not available; corpus tests will skip"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet

echo "== cargo test"
cargo test --workspace --quiet 2>&1 | tee "$results/cargo-test"

echo "== change-net vectors"
for dir in crates/netplan/tests/vectors-open crates/netplan/tests/vectors-extra; do
    cargo run --quiet --release -p oxvirt-netplan --bin change-net-vectors -- "$dir" |
        tee -a "$results/vectors"
done

echo "== XML corpus"
bash scripts/xml-corpus.sh

echo "== fuzz targets: build and replay"
cargo test --quiet --manifest-path fuzz/Cargo.toml 2>&1 | tee "$results/fuzz-test"

# libtest counts a skipped test as passed: the skip log says how many of those were skips.
awk -v skips="$(wc -l < "$OXVIRT_SKIP_LOG")" '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { printf "total: %d passed, %d failed, %d skipped\n", p - skips, f, skips }
' "$results/cargo-test" "$results/vectors" "$results/fuzz-test"
