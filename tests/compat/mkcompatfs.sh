#!/usr/bin/env bash
# mkcompatfs.sh: make a root file system (newc cpio) for the compat tests:
#
#   mkcompatfs.sh OUT.cpio [SRC=DEST]...
#
# The tree has Debian's busybox-static as /bin/busybox (unmodified; $BUSYBOX
# names another), a symlink /bin/APPLET -> busybox for each of its applets
# (`busybox --list`: /bin/sh for #! scripts and system(), /bin/ls for
# execve by path...), /usr/bin, /tmp (1777), /root, and a minimal
# /etc/passwd and /etc/group (root), so `ps` and `ls -l` print names as on
# the host. Each SRC=DEST copies the file or directory SRC to the absolute
# path DEST (parents made; modes kept). Entries are owned by root and packed
# in sorted order with `cpio -o -H newc`, the format jiny-run --initrd takes.
# The kernel mounts /dev and /proc itself. The tree is made in OUT.cpio.d and
# removed once packed.
set -euo pipefail
me=mkcompatfs.sh
die() { echo "$me: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $me OUT.cpio [SRC=DEST]..." >&2; exit 2; }
out=$1; shift
busybox=${BUSYBOX:-/bin/busybox}
command -v cpio >/dev/null || die "cpio is not installed (tools/bootstrap-deps installs it)"
[ -x "$busybox" ] || die "$busybox is missing (apt-get install busybox-static)"
if LC_ALL=C readelf -lW "$busybox" 2>/dev/null | grep -q '^ *INTERP'; then
	die "$busybox is dynamically linked: the guest needs a static one (busybox-static)"
fi

umask 022
root=$out.d
rm -rf "$root"
mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp" "$root/root" "$root/etc"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
n=0
for a in $("$busybox" --list); do
	case $a in busybox|*/*) continue ;; esac
	ln -s busybox "$root/bin/$a"
	n=$((n + 1))
done
[ $n -gt 100 ] || die "$busybox --list gave only $n applets"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

for spec in "$@"; do
	src=${spec%%=*} dest=${spec#*=}
	[ "$src" != "$spec" ] && [ -n "$src" ] || die "want SRC=DEST, not '$spec'"
	case $dest in /*) ;; *) die "DEST must be absolute: '$spec'" ;; esac
	[ -e "$src" ] || die "no such file: $src"
	mkdir -p "$root$(dirname "$dest")"
	rm -rf "$root$dest"
	cp -a "$src" "$root$dest"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out.tmp"
rm -rf "$root"
mv "$out.tmp" "$out"
