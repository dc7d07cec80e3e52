#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Prints the path of libvirt 9.0.0's source tree, the corpus of the XML tests: $LIBVIRT_SRC
# when set, else a cached copy under ${XDG_CACHE_HOME:-$HOME/.cache}/oxvirt/libvirt-src, else
# it fetches Debian's source package once (`apt-get source`, which needs deb-src entries: as
# root they are added for the machine's own Debian mirror, in either sources format) and
# unpacks it into that cache. The one place that knows where the source comes from;
# scripts/test.sh exports the result as LIBVIRT_SRC for every test.
#
# Exit 1 (with the reason on stderr) when the source cannot be had.
set -euo pipefail

version=9.0.0
cache=${XDG_CACHE_HOME:-$HOME/.cache}/oxvirt/libvirt-src
dir=$cache/libvirt-$version

fail() { echo "libvirt-src: $*" >&2; exit 1; }

if [ -n "${LIBVIRT_SRC:-}" ]; then
    [ -d "$LIBVIRT_SRC/tests" ] || fail "LIBVIRT_SRC=$LIBVIRT_SRC has no tests/ folder"
    echo "$LIBVIRT_SRC"
    exit 0
fi
if [ -d "$dir/tests" ]; then
    echo "$dir"
    exit 0
fi
command -v apt-get >/dev/null || fail "no apt-get to fetch libvirt's source; set LIBVIRT_SRC"
command -v xz >/dev/null || fail "xz not installed (apt-get install xz-utils)"

# Source entries for the mirror the machine already uses: deb822 files (Debian 12's default
# image) or one-line sources.list (debootstrap).
has_deb_src() {
    grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ \
        || grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}
if ! has_deb_src; then
    [ "$(id -u)" = 0 ] || fail "no deb-src entries in apt's sources and not root to add them"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            > /etc/apt/sources.list.d/oxvirt-deb-src.sources
    elif grep -qs '^deb ' /etc/apt/sources.list; then
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/oxvirt-deb-src.list
    else
        fail "no Debian mirror found in apt's sources"
    fi
    apt-get update -qq >&2 || fail "apt-get update failed"
fi

# Unpack beside the cache and rename, so an interrupted fetch never leaves half a tree that a
# later run would take for the corpus.
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get source --download-only libvirt >&2) || fail "apt-get source libvirt failed"
tarball=$(ls "$tmp"/libvirt_"$version".orig.tar.xz 2>/dev/null) \
    || fail "apt-get source did not bring libvirt_$version.orig.tar.xz"
tar xf "$tarball" -C "$tmp"
[ -d "$tmp/libvirt-$version/tests" ] || fail "the tarball has no libvirt-$version/tests"
rm -rf "$dir"
mv "$tmp/libvirt-$version" "$dir"
echo "$dir"
