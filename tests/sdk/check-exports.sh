#!/usr/bin/env bash
# check-exports.sh LIBJINY_A: libjiny.a must define, as global symbols, only
# the public API (jiny_*), the kernel entry points musl calls (__jiny_sys_*,
# __jiny_syscall, __jiny_clone, ...) and the PVH entry (jiny_pvh_entry32); every
# other kernel name is local, so nothing clashes with the app or libc
# (STYLE.md). Also checks that the entry points musl needs are there.
set -euo pipefail
lib=$1
[ -f "$lib" ] || { echo "check-exports: no such file: $lib" >&2; exit 2; }
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 {print $3}' |
      grep -v -E '^(jiny_[a-z0-9_]+|__jiny_[a-z0-9_]+)$' || true)
if [ -n "$bad" ]; then
  echo "check-exports: libjiny.a exports names outside jiny_*/__jiny_*:" >&2
  echo "$bad" | sed 's/^/  /' >&2
  exit 1
fi
# nm's output is kept first: `nm | grep -q` under pipefail fails when grep
# exits early and nm gets SIGPIPE (it did once the list outgrew a pipe buffer).
syms=$(nm -g --defined-only "$lib")
for need in __jiny_syscall __jiny_sys_write __jiny_sys_arch_prctl __jiny_clone __jiny_unmapself \
            jiny_pvh_entry32 jiny_version; do
  grep -q " $need\$" <<<"$syms" || { echo "check-exports: $need missing" >&2; exit 1; }
done
n=$(nm -g --defined-only "$lib" | awk 'NF == 3' | wc -l)
echo "check-exports: $n exported symbols, all jiny_* or __jiny_*"
