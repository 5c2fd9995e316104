#!/usr/bin/env bash
# mkinitramfs.sh: the archives that tests/guest/tst-initramfs.c boots with,
# made at build time (tests/guest/CMakeLists.txt) into OUTDIR:
#
#   initrd.cpio     the tree /initrd, packed with `cpio -o -H newc` (owner
#                   root); the test boots it with jiny-run --initrd
#   linked.o        the tree /linked, packed into an object by jiny-mkrootfs
#                   exactly as a user does:
#                     $(pkg-config --variable=mkrootfs jiny) DIR linked.o
#                   (needs PKG_CONFIG_PATH naming the SDK's lib/pkgconfig)
#   corrupt.cpio    /corrupt: five good entries, then one whose filesize
#                   header field has a bad hex digit, then more entries
#   truncated.cpio  /truncated: five good entries, then a 64 KiB file whose
#                   data the archive cuts short
#   *.manifest      copies of the trees' manifests, for reading
#
#   mkinitramfs.sh OUTDIR
#
# A tree (mktree below) has nested directories, files of many modes (0600,
# 0755, 04755, 02750, 0444, 0000), directories of several modes (01777, 0700,
# 0555 with contents, 0750), symlinks (relative, absolute, dangling, to a
# directory, to a symlink, a loop), a hard-linked pair and triple, a fifo,
# empty and tiny files (the archive's 4-byte padding), page-sized files and a
# large pseudo-random file. TOP/manifest.txt describes TOP/root as found on
# disk after it was made (find -printf, cksum), one entry a line:
#
#   # jiny initramfs manifest: N entries
#   TYPE MODE NLINK SIZE MTIME CKSUM GROUP FOLLOW RDEV PATH TARGET  (tab-separated)
#
# TYPE is find's %y (f d l p c); MODE the permission bits in octal (07777);
# SIZE in bytes (files, symlinks); MTIME in seconds (not for symlinks); CKSUM
# the POSIX cksum CRC of a file's contents; GROUP the hard-link group (the
# host inode) of a file with NLINK > 1; FOLLOW what a symlink resolves to in
# the guest: f, d, N (nothing: dangling) or L (a loop); RDEV "major:minor" of
# a device; PATH the absolute guest path; TARGET a symlink's target. "-" marks
# a field that does not apply. Names hold no tab or newline.
#
# The trees are removed once packed (a 0555 directory in the build directory
# would stop a non-root `rm -rf build`).
set -euo pipefail

me=mkinitramfs.sh
die() { echo "$me: $*" >&2; exit 1; }
[ $# = 1 ] || { echo "usage: $me OUTDIR" >&2; exit 2; }
out=$1
command -v cpio >/dev/null || die "cpio is not installed (tools/bootstrap-deps installs it)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
umask 022

work=$out/work
# chmod first: rm cannot empty a 0555 directory unless root.
cleanup() { [ ! -e "$work" ] || { chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"; }; }
cleanup
trap cleanup EXIT
mkdir -p "$work"

# Fixed mtimes, distinct per entry, so the test can check that they are kept.
T0=1700000000

# mktree BASE TOP BIGSIZE: make BASE/TOP/root and BASE/TOP/manifest.txt.
mktree() {
	local base=$1 top=$2 big=$3
	local r=$base/$top/root
	mkdir -p "$r"
	(
	cd "$r"
	: >empty
	for n in 1 2 3 4 5; do head -c $n /dev/urandom >tiny$n; done
	for n in 4095 4096 4097; do head -c $n /dev/urandom >page-$n; done
	head -c "$big" /dev/urandom >big.bin
	echo "for the owner only" >secret && chmod 0600 secret
	printf '#!/bin/sh\necho tool\n' >tool && chmod 0755 tool
	echo "runs as its owner" >setuid && chmod 04755 setuid
	echo "runs as its group" >setgid && chmod 02750 setgid
	echo "read only" >readonly && chmod 0444 readonly
	echo "no permissions at all" >noperm && chmod 0000 noperm
	echo "spaces" >"name with spaces"
	echo "a long name" >"long-$(printf 'n%.0s' $(seq 200))"

	mkdir -p a/b/c/d/e/f/g/h
	echo "eight levels down" >a/b/c/d/e/f/g/h/deep.txt
	echo "in the middle" >a/b/mid.txt
	chmod 0750 a/b/c
	mkdir empty-dir
	mkdir shared && chmod 01777 shared && echo "note" >shared/note
	mkdir private && echo "key" >private/key && chmod 0600 private/key && chmod 0700 private
	# A read-only directory with contents: the unpacker must still fill it.
	mkdir -p ro/sub && echo "inside" >ro/inside.txt && echo "x" >ro/sub/x
	chmod 0555 ro/sub ro

	mkdir links
	ln -s ../tiny3 links/rel
	ln -s ../a/b/mid.txt links/rel-up
	ln -s "/$top/root/tool" links/abs
	ln -s no-such-file links/dangling
	ln -s "/$top/root/nowhere" links/abs-dangling
	ln -s ../a/b links/dir
	ln -s "/$top/root/a" links/absdir
	ln -s rel links/chain
	ln -s loop2 links/loop1
	ln -s loop1 links/loop2

	mkdir hard
	echo "a hard-linked pair" >hard/one && ln hard/one a/two
	echo "a hard-linked triple" >hard/t1 && ln hard/t1 hard/t2 && ln hard/t1 shared/t3
	mkfifo -m 0666 fifo   # 0666: a umask would show
	if [ "$(id -u)" = 0 ]; then mknod -m 0620 null c 1 3; fi

	# Times last (making entries changes their directory's mtime).
	find . -mindepth 1 ! -type l -print0 | LC_ALL=C sort -z |
		{ i=0; while IFS= read -r -d '' p; do touch -d "@$((T0 + i * 3600))" "$p"; i=$((i + 1)); done; }
	touch -d "@$T0" .
	)
	manifest "$base" "$top" >"$base/$top/manifest.txt"
	[ "$(find "$r" -name setuid -printf %m)" = 4755 ] || die "find -printf %m lost the setuid bit"
}

# manifest BASE TOP: the manifest of BASE/TOP/root (see the top of this file).
manifest() {
	local base=$1 top=$2 lines y m n s t i p l ck grp fol rdev q
	lines=$(cd "$base" && find "$top/root" -printf '%y\t%m\t%n\t%s\t%T@\t%i\t%p\t%l\n' | LC_ALL=C sort -t $'\t' -k7,7)
	echo "# jiny initramfs manifest: $(printf '%s\n' "$lines" | wc -l) entries"
	while IFS=$'\t' read -r y m n s t i p l; do
		t=${t%%.*} ck=- grp=- fol=- rdev=-
		case $y in
		f)	ck=$(cksum <"$base/$p" | cut -d' ' -f1)
			[ "$n" -le 1 ] || grp=$i ;;
		d)	s=- ;;
		l)	t=-
			# Resolve as the guest will, where BASE is the root.
			case $l in /*) q=$base$l ;; *) q=$base/${p%/*}/$l ;; esac
			fol=$(find "$q" -maxdepth 0 -printf %Y 2>/dev/null) || fol=N
			[ -n "$fol" ] || fol=N ;;
		c|b)	rdev=$(stat -c '%t:%T' "$base/$p")
			rdev=$((16#${rdev%:*})):$((16#${rdev#*:})) s=- ;;
		*)	s=- ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			"$y" "$m" "$n" "$s" "$t" "$ck" "$grp" "$fol" "$rdev" "/$p" "${l:--}"
	done <<<"$lines"
}

# hexoff ARCHIVE NAME: the offset of NAME's header (its name follows the 110-byte header).
hexoff() {
	local at
	at=$(grep -obUa -- "$2" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$at" ] || die "$2 is not in $1"
	printf '0x%x' $((at - 110))
}

# partial BASE TOP BADNAME: the small tree of the broken archives, packed in
# a fixed order so that the offsets are the same on every machine.
partial() {
	local base=$1 top=$2 bad=$3
	mkdir -p "$base/$top/sub" "$base/$top/after-dir"
	printf 'first\n' >"$base/$top/ok1"
	printf 'second entry\n' >"$base/$top/ok2"
	printf 'third\n' >"$base/$top/sub/ok3"
	head -c 65536 /dev/urandom >"$base/$top/$bad"
	printf 'after\n' >"$base/$top/after"
	(cd "$base" && printf '%s\n' "$top" "$top/ok1" "$top/ok2" "$top/sub" "$top/sub/ok3" \
		"$top/$bad" "$top/after" "$top/after-dir" |
		cpio -o -H newc -R 0:0 --quiet)
}

# 1. The tree for --initrd: plain cpio, find's order (directories first, unsorted).
mkdir "$work/initrd"
mktree "$work/initrd" initrd $((12 * 1024 * 1024 + 12345))
chmod 0755 "$work/initrd"   # "." is the guest's "/"
(cd "$work/initrd" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out/initrd.cpio.tmp"
cp "$work/initrd/initrd/manifest.txt" "$out/initrd.manifest"

# 2. The tree linked into the image, as a user makes it.
mkdir "$work/linked"
mktree "$work/linked" linked $((12 * 1024 * 1024 + 54321))
chmod 0755 "$work/linked"
mkrootfs=$(pkg-config --variable=mkrootfs jiny) ||
	die "pkg-config does not know jiny (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})"
"$mkrootfs" "$work/linked" "$out/linked.o.tmp"
cp "$work/linked/linked/manifest.txt" "$out/linked.manifest"

# 3. A bad hex digit in the filesize field of corrupt/bad. tst-initramfs.c
# EXPECTs the kernel's message with this entry number and offset.
mkdir "$work/corrupt"
partial "$work/corrupt" corrupt bad >"$out/corrupt.cpio.tmp"
off=$(hexoff "$out/corrupt.cpio.tmp" corrupt/bad)
[ "$off" = 0x28c ] || die "corrupt/bad is at $off, not 0x28c: update tst-initramfs.c and this check"
printf 'g' | dd of="$out/corrupt.cpio.tmp" bs=1 seek=$((off + 6 + 6 * 8)) conv=notrunc status=none

# 4. Cut inside the data of truncated/big (at its header + 4096 bytes).
mkdir "$work/truncated"
partial "$work/truncated" truncated big >"$work/truncated.cpio"
off=$(hexoff "$work/truncated.cpio" truncated/big)
[ "$off" = 0x28c ] || die "truncated/big is at $off, not 0x28c: update tst-initramfs.c and this check"
head -c $((off + 4096)) "$work/truncated.cpio" >"$out/truncated.cpio.tmp"

for f in initrd.cpio linked.o corrupt.cpio truncated.cpio; do mv "$out/$f.tmp" "$out/$f"; done
