#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what the tests need
# (stock libvirt clients are the judge of compatibility), then runs lint, unit,
# integration and conformance tests. Set OXVIRT_STRICT=1 to turn every skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need_pkgs=()
for p in libvirt-clients python3-libvirt libxml2-utils dpkg-dev xz-utils; do
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

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --quiet

echo "== cargo test"
cargo test --workspace --quiet

if [ -d "$ROOT/../shared/spec/change-net/vectors" ]; then
    echo "== change-net vectors"
    cargo run --quiet --release -p oxvirt-netplan --bin change-net-vectors -- "$ROOT/../shared/spec/change-net/vectors"
    cargo run --quiet --release -p oxvirt-netplan --bin change-net-vectors -- crates/netplan/tests/vectors-extra
elif [ -n "${OXVIRT_STRICT:-}" ]; then
    echo "FAIL: ../shared/spec/change-net/vectors not found"; exit 1
else
    echo "SKIP: ../shared/spec/change-net/vectors not found"
fi

echo "== XML corpus"
bash scripts/xml-corpus.sh

echo "== fuzz targets compile"
cargo build --quiet --manifest-path fuzz/Cargo.toml

echo "== all tests passed"
