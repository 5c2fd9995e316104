#!/usr/bin/env bash
# bench/lib/fetch-source.sh: the upstream source a benchmark builds (Lua,
# SQLite, ...), fetched like tools/bootstrap-deps fetches musl: from Debian's
# source package, checked against a pinned sha256, cached, never committed.
#
#   bench/lib/fetch-source.sh PACKAGE FILE SHA256
#
# Prints the cached file's path. The cache is $JINY_DEPS_CACHE, else the
# repository's .deps/ (the same cache as the build's). Needs the deb-src
# entries tools/bootstrap-deps adds; says so when apt cannot find the package.
set -euo pipefail
[ $# = 3 ] || { echo "usage: fetch-source.sh PACKAGE FILE SHA256" >&2; exit 2; }
pkg=$1 file=$2 sum=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${JINY_DEPS_CACHE:-$repo/.deps}
die() { echo "fetch-source.sh: $*" >&2; exit 1; }

mkdir -p "$cache"
if [ -f "$cache/$file" ] && echo "$sum  $cache/$file" | sha256sum -c --quiet - >/dev/null 2>&1; then
	echo "$cache/$file"; exit 0
fi
echo "fetch-source.sh: fetching $file (Debian source package $pkg)" >&2
apt-cache showsrc "$pkg" 2>/dev/null | grep -q '^Package:' ||
	die "apt knows no source package $pkg (run tools/bootstrap-deps, which adds deb-src entries, then apt-get update)"
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
( cd "$tmpd" && apt-get source --download-only -qq "$pkg" >/dev/null 2>&1 ) ||
	die "apt-get source --download-only $pkg failed"
[ -f "$tmpd/$file" ] || die "source package $pkg has no $file (version changed?): $(ls "$tmpd" | tr '\n' ' ')"
got=$(sha256sum "$tmpd/$file" | cut -d' ' -f1)
[ "$got" = "$sum" ] || die "$file: sha256 $got, expected $sum"
mv "$tmpd/$file" "$cache/$file.part" && mv "$cache/$file.part" "$cache/$file"
echo "$cache/$file"
