#!/usr/bin/env bash
# bench/net/run.sh: the network, Jiny's HP app vs a Linux guest, over a tap
# in a private network namespace. A benchmark, not a test: it prints markdown
# tables and never fails on the numbers.
#
#   bench/net/run.sh [--quick] [--smp LIST] [--runs N] [--duration S] [options]
#
#   --quick            check that it works: 1 run, 3 s loads, 16 MiB transfers
#   --smp LIST         vCPUs of both guests, one set of runs each (default "1,2")
#   --threads N        httpd workers (-t; default: the --smp value)
#   --runs N           runs of each guest, alternated J L J L ... (default 5)
#   --duration S       keep-alive wrk run, seconds (default 15)
#   --conn-duration S  connection-rate wrk run, seconds (default 10)
#   --warmup S         wrk before the measured runs, not counted (default 2)
#   --connections N    wrk -c (default 30); --wrk-threads N: wrk -t (default 2)
#   --bulk-mib N       MiB moved per transfer (default 128)
#   --mem SIZE         guest memory, both guests (default 512M)
#   --accel A          QEMU accelerator (default tcg; see DESIGN.md 8)
#   --no-linux         skip the Linux guest
#   --sdk DIR          staged or installed SDK (default: <repo>/build/sdk)
#   --work DIR         builds and logs (default: $JINY_BENCH_NET_CACHE,
#                      else ~/.cache/jiny-bench-net); logs under DIR/logs/
#
# Needs root (network namespaces, taps), ip(8), /dev/net/tun, wrk (installed
# with apt-get when missing), curl, gcc.
#
# Each run of a guest boots it twice on microvm, each time in a network
# namespace of its own (jbnet<pid>-<n>, deleted after the run and on exit)
# holding tap0 at 10.0.2.1/24; the guest is 10.0.2.15/24, gateway 10.0.2.1,
# MAC 52:54:00:12:34:56, virtio-net on legacy virtio-mmio, no vhost. The load
# runs inside the namespace (ip netns exec NS wrk ...).
#   1. samples/httpd (-p 80 -r /www -t THREADS), serving /index.html, a
#      612-byte page: as the HP app (built with the SDK like `make httpd`,
#      but with this script's rootfs: www/index.html) and the same source
#      built with gcc -static in ../shared/baseline/linux-guest-net.sh
#      (--root: the same www/). QEMU's idle CPU for a second or two, a wrk
#      warm-up, then
#        keep-alive:       wrk -t2 -c30 -dDURATION --latency URL
#        connection rate:  wrk -t2 -c30 -dCONN --latency -H 'Connection: close' URL
#      (a new TCP connection per request). Per run: req/s, p50 and p99
#      latency, QEMU's CPU time (utime+stime of the QEMU process, from
#      /proc/PID/stat, before and after wrk) per request, and wrk's errors.
#   2. bench/net/bulk-server.c (same two builds): bulk-client (built for the
#      host) moves BULK MiB over one connection, then over four (BULK/4
#      each), the guest sending (tx) and then receiving (rx): MB/s
#      (10^6 bytes/s) and QEMU CPU ms per MB.
# Medians (min-max) over the runs, Jiny / Linux ratios of the medians, run N
# vs run 1 drift, and the issue's targets: HP req/s >= 3x the Linux guest's,
# bulk MB/s >= 1x, run N within 10% of run 1 (N = --runs). Under TCG QEMU's
# vCPU threads are the bottleneck and share the machine with wrk and other
# work: the machine's load is printed; results mean something only on an
# idle machine.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/bench/lib/common.sh"
. "$repo/tests/net/tapns.sh"
sdk=$repo/build/sdk runs=5 dur=15 cdur=10 warm=2 smps=1,2 threads= conns=30 wthreads=2
bulk_mib=128 mem=512M accel=tcg linux=1 work=${JINY_BENCH_NET_CACHE:-$HOME/.cache/jiny-bench-net}
baseline=$repo/../shared/baseline/linux-guest-net.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) runs=1 dur=3 cdur=3 warm=1 bulk_mib=16; shift ;;
	--smp) smps=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--duration) dur=$2; shift 2 ;;
	--conn-duration) cdur=$2; shift 2 ;;
	--warmup) warm=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	--wrk-threads) wthreads=$2; shift 2 ;;
	--bulk-mib) bulk_mib=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	--sdk) sdk=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
smps=${smps//,/ }
for v in $runs $dur $cdur $warm $conns $wthreads $bulk_mib $smps ${threads:-1}; do
	[[ $v =~ ^[0-9]+$ ]] || { log "not a number: $v"; exit 2; }
done
[ "$runs" -ge 1 ] && [ "$dur" -ge 1 ] && [ "$cdur" -ge 1 ] && [ "$bulk_mib" -ge 4 ] ||
	{ log "--runs, --duration, --conn-duration must be >= 1, --bulk-mib >= 4"; exit 2; }

# ---- what it needs ----
[ "$(id -u)" = 0 ] || { log "needs root (network namespaces and taps)"; exit 1; }
command -v ip >/dev/null || { log "needs ip(8) (apt-get install iproute2)"; exit 1; }
[ -c /dev/net/tun ] || { log "needs /dev/net/tun"; exit 1; }
command -v curl >/dev/null || { log "needs curl (apt-get install curl)"; exit 1; }
if ! command -v wrk >/dev/null; then
	log "installing wrk"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null 2>&1
	command -v wrk >/dev/null || { log "cannot install wrk (apt-get install wrk)"; exit 1; }
fi
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { log "no SDK at $sdk (build it, or pass --sdk)"; exit 1; }
if [ $linux = 1 ] && [ ! -x "$baseline" ]; then
	log "$baseline not found; running without the Linux guest"; linux=0
fi
jiny_run=$repo/tools/jiny-run
[ -x "$sdk/bin/jiny-run" ] && jiny_run=$sdk/bin/jiny-run
httpd_src=$repo/samples/httpd
clk=$(getconf CLK_TCK)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- build into $W (when a source or the SDK is newer than the output) ----
mkdir -p "$work/logs" || { log "cannot make $work"; exit 1; }
W=$(cd "$work" && pwd) sdk=$(cd "$sdk" && pwd)
L=$W/logs/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$L" && cd "$L" || exit 1	# (nothing lands in the caller's directory)
ls -1d "$W"/logs/*/ 2>/dev/null | head -n -10 | xargs -r rm -rf	# keep the last ten
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
sdk_libs=("$sdk/lib/libjiny.a" "$sdk/lib/libc.a")
stale() {	# stale OUT DEP...: OUT is missing or older than a DEP
	local o=$1 d; shift
	[ -e "$o" ] || return 0
	for d in "$@"; do [ "$d" -nt "$o" ] && return 0; done
	return 1
}
build() {	# build OUT CMD...: CMD writes $OUT.tmp, renamed to OUT when it worked
	local o=$1; shift
	"$@" || { log "building $(basename "$o") failed: $*"; exit 1; }
	mv -f "$o.tmp" "$o"
}
# The 612-byte page (the size of nginx's welcome page): HTML padded with text.
mkdir -p "$W/root/www"
page=$W/root/www/index.html
if [ ! -f "$page" ] || [ "$(stat -c %s "$page")" != 612 ]; then
	{ head='<!DOCTYPE html>\n<html>\n<head>\n<title>Jiny network benchmark</title>\n</head>\n<body>\n<h1>Welcome</h1>\n<p>'
	  tail='</p>\n</body>\n</html>\n'
	  n=$(( 612 - $(printf "$head$tail" | wc -c) ))
	  printf "$head"
	  yes 'This page is 612 bytes long, like the welcome page of a stock web server.' |
		tr '\n' ' ' | head -c "$n"
	  printf "$tail"; } > "$page.tmp" && mv -f "$page.tmp" "$page"
fi
[ "$(stat -c %s "$page")" = 612 ] || { log "$page is not 612 bytes"; exit 1; }
srcs=("$httpd_src/httpd.c" "$httpd_src/http_parse.c")
cflags=(-O2 -g -Wall)	# samples/httpd/Makefile's CFLAGS
mkrootfs=$(pkg-config --variable=mkrootfs jiny)
stale "$W/rootfs.o" "$page" && build "$W/rootfs.o" "$mkrootfs" "$W/root" "$W/rootfs.o.tmp"
stale "$W/httpd-jiny" "${srcs[@]}" "$httpd_src/http_parse.h" "$W/rootfs.o" "${sdk_libs[@]}" &&
	build "$W/httpd-jiny" gcc "${cflags[@]}" "${srcs[@]}" "$W/rootfs.o" $(pkg-config --libs jiny) -o "$W/httpd-jiny.tmp"
stale "$W/httpd-linux" "${srcs[@]}" "$httpd_src/http_parse.h" &&
	build "$W/httpd-linux" gcc "${cflags[@]}" -static "${srcs[@]}" -o "$W/httpd-linux.tmp"
stale "$W/bulk-jiny" "$here/bulk-server.c" "${sdk_libs[@]}" &&
	build "$W/bulk-jiny" gcc "${cflags[@]}" "$here/bulk-server.c" $(pkg-config --libs jiny) -o "$W/bulk-jiny.tmp"
stale "$W/bulk-linux" "$here/bulk-server.c" &&
	build "$W/bulk-linux" gcc "${cflags[@]}" -static -pthread "$here/bulk-server.c" -o "$W/bulk-linux.tmp"
stale "$W/bulk-client" "$here/bulk-client.c" &&
	build "$W/bulk-client" gcc "${cflags[@]}" -pthread "$here/bulk-client.c" -o "$W/bulk-client.tmp"

# linux-guest-net.sh fetches the kernel's virtio-net modules on first use;
# inside our namespace it could not reach the archive, so let it do that
# once outside (it boots once with --netns and runs httpd -h).
bcache=${JINY_BASELINE_CACHE:-$HOME/.cache/jiny-baseline}
if [ $linux = 1 ] && ! ls "$bcache"/netmods-*/virtio_net.ko >/dev/null 2>&1; then
	log "filling $bcache (kernel, busybox, virtio-net modules) for the Linux guest"
	"$baseline" --netns "jbnet$$-prep" --timeout 120 "$W/httpd-linux" -h >"$L/prep.log" 2>&1 </dev/null
	ls "$bcache"/netmods-*/virtio_net.ko >/dev/null 2>&1 ||
		{ log "the Linux guest's cache could not be filled; see $L/prep.log"; exit 1; }
fi

# ---- guests ----
gip=10.0.2.15 seq=0 ns= gpid= qpid= glog= problems=()
problem() { problems+=("$*"); log "PROBLEM: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# The QEMU process among PID's descendants.
qemu_pid() {
	local todo=("$1") p
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}; todo=("${todo[@]:1}")
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in qemu-system*) echo "$p"; return 0 ;; esac
		todo+=($(pgrep -P "$p"))
	done
	return 1
}
# QEMU's CPU time so far (utime + stime of all its threads), in clock ticks.
qticks() { sed 's/^.*) //' "/proc/$qpid/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
probe() { ip netns exec "$ns" timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$gip" "$1" 2>/dev/null; }
nsx() { ip netns exec "$ns" "$@"; }

# guest_start GUEST KIND LIMIT: boot GUEST (jiny|linux) running KIND's server
# (httpd|bulk) in a new namespace, killed after LIMIT s; wait for its port.
guest_start() {
	local g=$1 kind=$2 limit=$3 port args t0
	seq=$((seq + 1)); ns=jbnet$$-$seq; glog=$L/smp$smp.run$run.$g.$kind.log
	if ! tapns_make "$ns" 10.0.2.1/24; then
		log "cannot make network namespace $ns with a tap"; ns_del; exit 1
	fi
	case $kind in
	httpd) port=80 args=(-p 80 -r /www -t "$thr") ;;
	bulk) port=5001 args=(5001) ;;
	esac
	if [ "$g" = jiny ]; then
		ip netns exec "$ns" "$jiny_run" --accel "$accel" --smp "$smp" --mem "$mem" --timeout "$limit" \
			--net tap:tap0 --kopt "ip=$gip/24,10.0.2.1" "$W/$kind-jiny" -- "${args[@]}" \
			</dev/null >"$glog" 2>&1 &
	else
		ip netns exec "$ns" "$baseline" --tap tap0 --ip "$gip/24" --gw 10.0.2.1 --accel "$accel" \
			--smp "$smp" --mem "$mem" --timeout "$limit" --root "$W/root" "$W/$kind-linux" "${args[@]}" \
			</dev/null >"$glog" 2>&1 &
	fi
	gpid=$! t0=$(now)
	until probe "$port"; do
		if ! kill -0 "$gpid" 2>/dev/null; then
			wait "$gpid"; problem "$g $kind (smp $smp, run $run): the guest ended (status $?) before port $port answered; log $glog: $(tail -n 3 "$glog" | tr '\n' '|')"
			gpid=; ns_del; return 1
		fi
		if [ "$(since "$t0" | cut -d. -f1)" -ge 180 ]; then
			problem "$g $kind (smp $smp, run $run): port $port not answering after 180 s; log $glog"
			guest_stop term; return 1
		fi
		sleep 0.2
	done
	boot=$(since "$t0")
	qpid=$(qemu_pid "$gpid") || { problem "$g: no QEMU process under $gpid"; guest_stop term; return 1; }
	log "$g $kind up after $boot s (QEMU pid $qpid, namespace $ns)"
}
ns_del() { [ -z "$ns" ] || ip netns del "$ns" 2>/dev/null; ns=; }
# guest_stop quit|term: end the guest (QUIT to bulk-server, else SIGTERM),
# wait at most 20 s, then SIGKILL its QEMU; delete the namespace.
guest_stop() {
	local how=$1 i st want bad
	[ -n "$gpid" ] || { ns_del; return; }
	if [ "$how" = quit ]; then
		nsx timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/5001"; printf "QUIT\n" >&3; head -c 4 <&3' _ "$gip" >/dev/null 2>&1 ||
			problem "$glog: QUIT got no answer"
	else
		kill -TERM "$gpid" 2>/dev/null
	fi
	for i in $(seq 100); do kill -0 "$gpid" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$gpid" 2>/dev/null; then
		problem "$glog: the guest did not stop within 20 s ($how); QEMU killed"
		[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null
		kill -TERM "$gpid" 2>/dev/null
	fi
	wait "$gpid"; st=$?
	# expected: bulk-server's QUIT gives 0; SIGTERM: jiny-run 130, linux-guest-net.sh 0
	want=0; [ "$how" = term ] && [[ $glog == *.jiny.* ]] && want=130
	[ "$st" = "$want" ] || problem "$glog: guest exit status $st, expected $want"
	bad=$(grep -E -i -w 'panic|bug|exception|assert|assertion|broken|oops|page fault|dropped|out of memory|error' "$glog" | grep -v 'terminating on signal' | head -n 5)
	[ -z "$bad" ] || problem "$glog: the console reports: $(echo "$bad" | tr '\n' '|')"
	gpid= qpid=
	ns_del
}
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$gpid" ] && kill -0 "$gpid" 2>/dev/null; then
		kill -TERM "$gpid" 2>/dev/null; sleep 1
		[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null
		wait "$gpid" 2>/dev/null
	fi
	ns_del
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

# parse_wrk FILE: "req/s p50ms p99ms requests errors" from wrk --latency's report
parse_wrk() {
	awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
			      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0 }
	     /^ *50% / { p50 = ms($2) } /^ *99% / { p99 = ms($2) } / requests in / { n = $1 }
	     /Socket errors:/ { gsub(",", ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF }
	     /^Requests\/sec:/ { r = $2 }
	     END { if (r == "") exit 1; printf "%.1f %.3f %.3f %d %d\n", r, p50, p99, n, e }' "$1"
}
# wrk_run NAME SECS [WRK-OPTIONS]: a bounded wrk run in the namespace; sets
# the globals rps p50 p99 nreq nerr cpu_us (QEMU CPU per request) busy (QEMU
# CPU %). Returns 1 when wrk failed.
wrk_run() {
	local name=$1 secs=$2 out c0 c1 r; shift 2
	out=$L/smp$smp.run$run.$g.$name.wrk
	c0=$(qticks)
	timeout -k 5 $((secs + 30)) ip netns exec "$ns" wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency "$@" \
		"http://$gip/index.html" >"$out" 2>&1
	c1=$(qticks)
	if [ -z "$c1" ]; then
		problem "$g $name (smp $smp, run $run): the guest's QEMU ended during wrk (not counted): $(grep -E -i -m 3 'exception|panic|killed|fault' "$glog" | tr '\n' '|')"
		return 1
	fi
	if ! r=$(parse_wrk "$out"); then
		problem "$g $name (smp $smp, run $run): wrk failed: $(tr '\n' '|' <"$out" | cut -c1-300)"
		return 1
	fi
	read -r rps p50 p99 nreq nerr <<<"$r"
	cpu_us=$(awk -v d=$((c1 - c0)) -v k="$clk" -v n="$nreq" 'BEGIN { printf "%.1f", (n > 0 ? d / k * 1e6 / n : 0) }')
	busy=$(awk -v d=$((c1 - c0)) -v k="$clk" -v s="$secs" 'BEGIN { printf "%.0f", d / k / s * 100 }')
	[ "$nerr" = 0 ] || problem "$g $name (smp $smp, run $run): wrk counted $nerr errors ($out)"
	return 0
}
# bulk_run DIR STREAMS: one transfer; sets mbps and cpu_ms (QEMU CPU ms per MB)
bulk_run() {
	local dir=$1 s=$2 out c0 c1
	out=$L/smp$smp.run$run.$g.bulk.out
	c0=$(qticks)
	nsx timeout -k 5 90 "$W/bulk-client" "$gip" 5001 "$dir" $((bulk_mib * 1048576 / s)) "$s" 60 >>"$out" 2>&1
	local st=$?
	c1=$(qticks)
	[ -n "$c1" ] || { problem "$g bulk $dir x$s (smp $smp, run $run): the guest's QEMU ended during the transfer"; return 1; }
	local line; line=$(grep "^bulk: dir=$dir streams=$s " "$out" | tail -n 1)
	mbps=$(sed -n 's/.* MBps=\([0-9.]*\).*/\1/p' <<<"$line")
	local bytes; bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
	cpu_ms=$(awk -v d=$((c1 - c0)) -v k="$clk" -v b="${bytes:-0}" 'BEGIN { printf "%.2f", (b > 0 ? d / k * 1e3 / (b / 1e6) : 0) }')
	if [ $st != 0 ] || [ -z "$mbps" ]; then
		problem "$g bulk $dir x$s (smp $smp, run $run): client status $st: $(tail -n 3 "$out" | tr '\n' '|')"
		return 1
	fi
}

declare -A V	# V[smp.guest.metric] = " run1 run2 ...", V[...metric.i] = run i's value
put() { V[$smp.$g.$1]+=" $2"; V[$smp.$g.$1.$run]=$2; }

guests=jiny; [ $linux = 1 ] && guests+=" linux"
idle_s=2; [ "$warm" -le 1 ] && idle_s=1
log "machine load at start: $load_start ($(nproc) CPUs); logs in $L"
for smp in $smps; do
	thr=${threads:-$smp}
	for run in $(seq "$runs"); do
		for g in $guests; do
			# -- httpd: keep-alive and connection rate --
			if guest_start "$g" httpd $((idle_s + warm + dur + cdur + 240)); then
				put boot "$boot"
				got=$(nsx timeout 10 curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://$gip/index.html")
				[ "$got" = "200 612" ] || problem "$g (smp $smp, run $run): GET /index.html gave '$got', not '200 612'"
				c0=$(qticks); sleep "$idle_s"; c1=$(qticks)
				put idle "$(awk -v d=$((c1 - c0)) -v k="$clk" -v s="$idle_s" 'BEGIN { printf "%.0f", d / k / s * 100 }')"
				[ "$warm" -gt 0 ] && wrk_run warmup "$warm" >/dev/null
				if wrk_run keepalive "$dur"; then
					put rps "$rps"; put p50 "$p50"; put p99 "$p99"; put cpu "$cpu_us"; put busy "$busy"; put err "$nerr"
					log "$g run $run (smp $smp): $rps req/s, p50 $p50 ms, p99 $p99 ms, QEMU $cpu_us us/req ($busy% CPU), $nerr errors"
				fi
				if wrk_run conn "$cdur" -H 'Connection: close'; then
					put crate "$rps"; put cp99 "$p99"; put ccpu "$cpu_us"; put cerr "$nerr"
					log "$g run $run (smp $smp): $rps new connections/s, p99 $p99 ms, QEMU $cpu_us us/conn, $nerr errors"
				fi
				guest_stop term
			fi
			# -- bulk TCP --
			if guest_start "$g" bulk $((4 * 90 + 240)); then
				nsx timeout 60 "$W/bulk-client" "$gip" 5001 tx 4194304 1 50 >"$L/smp$smp.run$run.$g.bulk.warm" 2>&1 ||
					problem "$g bulk warm-up (smp $smp, run $run) failed: $(tr '\n' '|' <"$L/smp$smp.run$run.$g.bulk.warm")"
				stop=quit
				for t in "tx 1" "tx 4" "rx 1" "rx 4"; do
					set -- $t
					if bulk_run "$1" "$2"; then
						put "$1$2" "$mbps"; put "$1$2cpu" "$cpu_ms"
						log "$g run $run (smp $smp): bulk $1 x$2: $mbps MB/s, QEMU $cpu_ms ms/MB"
					elif ! probe 5001; then
						problem "$g bulk (smp $smp, run $run): after bulk $1 x$2 failed the guest no longer answers on port 5001 (QEMU CPU over 1 s: $(a=$(qticks); sleep 1; echo $(( $(qticks) - a )) ticks of $clk)); the remaining transfers skipped"
						stop=term; break
					fi
				done
				guest_stop $stop
			fi
		done
	done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----
# cell SMP GUEST METRIC: "median (min-max)" with one decimal, or "-"
cell() {
	local v=${V[$1.$2.$3]:-}
	[ -n "$v" ] || { echo -; return; }
	printf '%s\n' $v | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR == 1) printf "%.1f", m; else printf "%.1f (%.1f-%.1f)", m, v[1], v[NR] }'
}
med() { local v=${V[$1.$2.$3]:-}; [ -n "$v" ] && median $v; }
one() { echo "${V[$1.$2.$3.$4]:--}"; }
qver=$(qemu-system-x86_64 --version | awk 'NR == 1 { print $4 }')
kpkg=$(cat "$bcache/kernel-package" 2>/dev/null || echo '?')
cat <<EOT

## net: samples/httpd and bulk TCP over a tap, Jiny HP app vs a Linux guest

QEMU $qver, accelerator: $(echo "$accel" | tr a-z A-Z), microvm, virtio-net (legacy virtio-mmio, tap, no vhost), -m $mem;
$runs run(s) of each guest alternated; wrk $(wrk --version 2>&1 | awk 'NR == 1 { print $2 }') -t$wthreads -c$conns, keep-alive ${dur} s
(after a ${warm} s warm-up), connection rate ${cdur} s; bulk ${bulk_mib} MiB per transfer. Linux guest: $kpkg, httpd built
with gcc -static (glibc). Machine load (1/5/15 min): $load_start at start, $load_end at the end, $(nproc) CPUs.
Latency in ms; CPU: QEMU process user+system time; MB = 10^6 bytes. Ratio = Jiny / Linux of the medians.
EOT
for smp in $smps; do
	thr=${threads:-$smp}
	cat <<EOT

### -smp $smp, httpd -t $thr

| run | guest | up s | idle CPU % | req/s | p50 | p99 | CPU us/req | CPU % | errors | conn/s | conn p99 | CPU us/conn | tx1 MB/s | tx4 MB/s | rx1 MB/s | rx4 MB/s |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
EOT
	for run in $(seq "$runs"); do
		for g in $guests; do
			echo "| $run | $g | $(one $smp $g boot $run) | $(one $smp $g idle $run) | $(one $smp $g rps $run) | $(one $smp $g p50 $run) | $(one $smp $g p99 $run) | $(one $smp $g cpu $run) | $(one $smp $g busy $run) | $(one $smp $g err $run)+$(one $smp $g cerr $run) | $(one $smp $g crate $run) | $(one $smp $g cp99 $run) | $(one $smp $g ccpu $run) | $(one $smp $g tx1 $run) | $(one $smp $g tx4 $run) | $(one $smp $g rx1 $run) | $(one $smp $g rx4 $run) |"
		done
	done
	cat <<EOT

| measure | Jiny (HP app) | Linux guest | Jiny / Linux | target |
| --- | --- | --- | --- | --- |
EOT
	row() {	# row LABEL METRIC [TARGET-RATIO: higher is better, at least this]
		local j l r t=
		j=$(med $smp jiny "$2"); l=$(med $smp linux "$2")
		r=$(ratio "$j" "$l")
		if [ -n "${3:-}" ]; then
			t=">= ${3}x: "
			if [ "$r" = - ]; then t+="?"; elif awk -v a="${r%x}" -v b="$3" 'BEGIN { exit !(a >= b) }'; then t+=met; else t+=missed; fi
		fi
		echo "| $1 | $(cell $smp jiny "$2") | $(cell $smp linux "$2") | $r | $t |"
	}
	row "keep-alive req/s" rps 3
	row "p50 latency, ms" p50
	row "p99 latency, ms" p99
	row "QEMU CPU us per request" cpu
	row "new connections/s (Connection: close)" crate
	row "conn p99 latency, ms" cp99
	row "QEMU CPU us per connection" ccpu
	row "bulk, guest sends, 1 stream, MB/s" tx1 1
	row "bulk, guest sends, 4 streams, MB/s" tx4 1
	row "bulk, guest receives, 1 stream, MB/s" rx1 1
	row "bulk, guest receives, 4 streams, MB/s" rx4 1
	row "QEMU CPU ms per MB (sends, 1 stream)" tx1cpu
	row "QEMU CPU ms per MB (receives, 1 stream)" rx1cpu
	row "QEMU idle CPU %, before the load" idle
	[ "$runs" -gt 1 ] || continue
	cat <<EOT

Run $runs vs run 1 (target: within 10%):

| guest | measure | run 1 | run $runs | change | within 10% |
| --- | --- | --- | --- | --- | --- |
EOT
	for g in $guests; do
		for m in rps:req/s crate:conn/s tx1:"tx1 MB/s"; do
			a=$(one $smp $g "${m%%:*}" 1); b=$(one $smp $g "${m%%:*}" "$runs")
			if [ "$runs" -gt 1 ] && [ "$a" != - ] && [ "$b" != - ]; then
				read -r d ok < <(awk -v a="$a" -v b="$b" 'BEGIN { d = (b / a - 1) * 100; printf "%+.1f%% %s\n", d, (d <= 10 && d >= -10) ? "yes" : "no" }')
			else d=- ok=-; fi
			echo "| $g | ${m#*:} | $a | $b | $d | $ok |"
		done
	done
done
echo
if [ ${#problems[@]} -gt 0 ]; then
	echo "### Problems seen (${#problems[@]})"
	echo
	for p in "${problems[@]}"; do echo "- $p"; done
else
	echo "No problems seen (guest consoles, exit statuses, wrk errors, transfers). Logs: $L"
fi
echo
echo "Logs (guest consoles, wrk and bulk-client output): $L"
