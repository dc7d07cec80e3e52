#!/usr/bin/env bash
# Builds and starts oxvirtd with zero configuration. As root the sockets go to
# /run/oxvirt, as a user to $XDG_RUNTIME_DIR/oxvirt (or ~/.cache/oxvirt/run).
# Extra arguments go to oxvirtd (e.g. --tcp 127.0.0.1:16509, --runtime-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p oxvirtd
exec target/release/oxvirtd "$@"
