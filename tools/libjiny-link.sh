#!/usr/bin/env bash
# libjiny-link.sh - make libjiny.a from the kernel's objects, in two members so
# that "pay for what you link" works at the granularity of a subsystem:
#
#   jiny.o      everything but the optional subsystems (always linked: crt1.o
#               and musl reference its __jiny_sys_* entry points)
#   jiny-net.o  net/ (sockets and the families): an archive member is linked
#               only when an undefined strong symbol it defines is wanted, and
#               the only strong references to it are musl's direct calls of
#               __jiny_sys_socket & co. (the dispatcher's table refers to them
#               weakly: syscalls.def OPTIONAL) and -Wl,-u,jiny_net.
#
# Each member is one partially linked object whose hidden symbols are made
# local (as the single member was before), so no kernel name clashes with
# the app or libc. The hidden names net/ uses from the core (kmalloc,
# memcpy, vfs_*, ...) cannot be local in both: they are renamed
# __jiny_k_NAME in both members and stay global (hidden), inside the
# __jiny_* namespace that tests/sdk/check-exports.sh allows.
#
# usage: libjiny-link.sh LD OBJCOPY NM READELF AR OUT.a WORKDIR CORE_OBJS... -- OPT_OBJS...
set -euo pipefail
export LC_ALL=C
LD=$1 OBJCOPY=$2 NM=$3 READELF=$4 AR=$5 out=$6 work=$7
shift 7
core=() opt=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do core+=("$1"); shift; done
[ $# -gt 0 ] && shift
opt=("$@")
[ ${#core[@]} -gt 0 ] || { echo "libjiny-link: no core objects" >&2; exit 2; }
mkdir -p "$work"

# Defined global symbols with hidden visibility of an object.
hidden_defs() {
	"$READELF" -sW "$1" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "HIDDEN" && $7 != "UND" && NF >= 8 {print $8}' | sort -u
}

"$LD" -r -o "$work/core.tmp" "${core[@]}"
members=("$work/jiny.o")
if [ ${#opt[@]} -gt 0 ]; then
	"$LD" -r -o "$work/net.tmp" "${opt[@]}"
	# The core's hidden names that net/ needs: renamed in both.
	comm -12 <(hidden_defs "$work/core.tmp") <("$NM" -u "$work/net.tmp" | awk '{print $NF}' | sort -u) \
		| awk '{print $1, "__jiny_k_" $1}' >"$work/shared.map"
	"$OBJCOPY" --redefine-syms="$work/shared.map" "$work/core.tmp" "$work/core2.tmp"
	"$OBJCOPY" --redefine-syms="$work/shared.map" "$work/net.tmp" "$work/net2.tmp"
	hidden_defs "$work/core2.tmp" | grep -v '^__jiny_k_' >"$work/core.local" || true
	hidden_defs "$work/net2.tmp" | grep -v '^__jiny_k_' >"$work/net.local" || true
	"$OBJCOPY" --localize-symbols="$work/core.local" "$work/core2.tmp" "$work/jiny.o"
	"$OBJCOPY" --localize-symbols="$work/net.local" "$work/net2.tmp" "$work/jiny-net.o"
	members+=("$work/jiny-net.o")
else
	"$OBJCOPY" --localize-hidden "$work/core.tmp" "$work/jiny.o"
fi
rm -f "$out"
"$AR" rcs "$out" "${members[@]}"
