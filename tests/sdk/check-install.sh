#!/usr/bin/env bash
# check-install.sh: the SDK as a user meets it (ctest sdk.install).
#
#   check-install.sh BUILD_DIR SOURCE_DIR
#
# Installs the built tree with `cmake --install BUILD_DIR --prefix $T/prefix`,
# then, with only $T/prefix/lib/pkgconfig on PKG_CONFIG_PATH and $T/prefix/bin
# first on PATH, builds samples/hello three ways and boots each with the
# installed jiny-run:
#   1. a copy of samples/hello built by its own Makefile;
#   2. two steps: gcc -c $(pkg-config --cflags jiny), gcc $(pkg-config --libs jiny);
#   3. a CMake project: find_package(jiny) + jiny_add_executable().
# Each gets the argument "two words" and must exit 0 and print what hello.c
# prints (and the argument, when hello.c prints its arguments). The installed pkg-config and
# CMake files must point into the prefix, never back at the build tree.
set -u
[ $# = 2 ] || { echo "usage: check-install.sh BUILD_DIR SOURCE_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-sdk-check.XXXXXX")
trap 'rm -rf "$T"' EXIT
prefix=$T/prefix
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "---- $*"; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log"; echo "FAIL: cmake --install"; exit 1; }
for f in lib/libjiny.a lib/libc.a lib/crt1.o lib/jiny.ld lib/jiny.specs \
	lib/pkgconfig/jiny.pc lib/cmake/jiny/jiny-config.cmake bin/jiny-run \
	include/stdio.h; do
	[ -e "$prefix/$f" ] || fail "not installed: $f"
done
[ -x "$prefix/bin/jiny-run" ] || fail "bin/jiny-run is not executable"
if grep -rlF "$build" "$prefix/lib/pkgconfig" "$prefix/lib/cmake" "$prefix/lib/jiny.specs" 2>/dev/null; then
	fail "installed files above still name the build tree $build"
fi

# A user's environment: the installed SDK only.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR CMAKE_PREFIX_PATH
export PATH=$prefix/bin:$PATH
[ "$(command -v jiny-run)" = "$prefix/bin/jiny-run" ] || fail "jiny-run on PATH is $(command -v jiny-run)"
[ "$(pkg-config --variable=prefix jiny 2>&1)" = "$prefix" ] ||
	fail "pkg-config --variable=prefix jiny gives '$(pkg-config --variable=prefix jiny 2>&1)', not $prefix"

sample=$src/samples/hello
[ -f "$sample/hello.c" ] || { echo "FAIL: $sample/hello.c is missing"; exit 1; }
# What hello prints: its first string literal, up to an escape or format.
want=$(grep -o '"[^"\\%]*' "$sample/hello.c" | grep -v '^"[^A-Za-z]*$' | head -n 1 | cut -c2-)
[ -n "$want" ] || want=ello
shows_args=0	# hello prints its arguments: check one with a space
grep -q 'argv\[i\]' "$sample/hello.c" && shows_args=1

boot() {	# boot NAME APP: exit 0 and the expected text
	local name=$1 app=$2 log=$T/$1.console
	[ -f "$app" ] || { fail "$name: $app was not built"; return; }
	jiny-run --timeout 60 "$app" -- "two words" >"$log" 2>&1
	local st=$?
	if [ $st != 0 ] || ! grep -qF -- "$want" "$log" ||
		{ [ "$shows_args" = 1 ] && ! grep -qF -- "two words" "$log"; }; then
		echo "===== $name console ====="; cat "$log"; echo "====="
		fail "$name: exit status $st (want 0), output must contain '$want'" \
			"$([ "$shows_args" = 1 ] && echo "and the argument 'two words'")"
	else
		echo "ok: $name boots and prints '$want'"
	fi
}

step "1. samples/hello with its own Makefile"
cp -r "$sample" "$T/hello-make"
rm -f "$T/hello-make/hello" "$T/hello-make"/*.o
if make -C "$T/hello-make" >"$T/make.log" 2>&1; then
	boot makefile "$T/hello-make/hello"
else
	cat "$T/make.log"; fail "make in a copy of samples/hello"
fi

step "2. two steps: -c with --cflags, link with --libs"
mkdir -p "$T/two"
# shellcheck disable=SC2046
if gcc -O2 -c "$sample/hello.c" $(pkg-config --cflags jiny) -o "$T/two/hello.o" &&
	gcc "$T/two/hello.o" $(pkg-config --libs jiny) -o "$T/two/hello"; then
	boot two-step "$T/two/hello"
else
	fail "two-step build"
fi

step "3. CMake: find_package(jiny) + jiny_add_executable"
mkdir -p "$T/cm"
cp "$sample/hello.c" "$T/cm/"
cat >"$T/cm/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(hello_cmake C)
find_package(jiny REQUIRED)
jiny_add_executable(hello hello.c)
EOF
if cmake -S "$T/cm" -B "$T/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >"$T/cm.log" 2>&1 &&
	cmake --build "$T/cm/build" >>"$T/cm.log" 2>&1; then
	boot cmake "$T/cm/build/hello"
else
	cat "$T/cm.log"; fail "CMake project with find_package(jiny)"
fi

if [ $failures = 0 ]; then
	echo "PASS sdk.install"
	exit 0
fi
echo "FAIL sdk.install: $failures failure(s)"
exit 1
