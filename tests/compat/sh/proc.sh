# process applets: date sleep kill ps (output that differs between machines
# - times, pids - is checked, not printed). The host runs this while other
# work goes on: ps is only ever asked about our own pids (the host has other
# sleeps), and a wait for the host or the guest to get round to something
# is long (30 s) or tried again, never a fixed time that a busy machine
# could miss.
date -u -d @0 '+%Y-%m-%d %H:%M:%S'
date -u -d @1700000000
date -u -d @86400 +%j
date -u -d '2024-02-29 12:00:00' +%s
date +%Y > /dev/null && echo "date works"
[ "$(date +%Y)" -ge 2024 ] && echo "the clock is after 2024"
# never early; not 10 s late, on one of 3 tries
early=0
for try in 1 2 3; do
	start=$(date +%s)
	sleep 1
	end=$(date +%s)
	[ $((end - start)) -ge 1 ] || early=1
	[ $((end - start)) -le 10 ] && break
done
[ $early = 0 ] && [ $((end - start)) -le 10 ] && echo "sleep 1 took 1 s or a little more"
sleep 0.1 && echo "sleep 0.1"
sleep 30 & p=$!
kill -0 $p && echo "the sleep is alive"
# busybox runs an applet as execve("/proc/self/exe", ["sleep", ...]), then
# renames itself with prctl(PR_SET_NAME): wait for the name to settle.
for i in $(seq 300); do
	c=$(ps -o pid,comm | awk -v p=$p '$1 == p { print $2 }')
	[ "$c" = sleep ] && break
	sleep 0.1
done
echo "ps lists $c"
ps -o pid,comm | awk -v p=$$ '$1 == p { print "ps lists the shell:", $2 }'
ps | awk -v p=$p '$1 == p && /sleep 30/ { n++ } END { print n + 0 }'
kill -TERM $p
wait $p 2>/dev/null; echo "sleep killed: $?"
ps -o pid | grep -c "^ *$p\$"
kill -l 9
kill -l TERM
kill 999999 2>/dev/null; echo "kill a missing pid: $?"
sleep 5 & p=$!
kill -s USR1 $p
wait $p 2>/dev/null; echo "USR1: $?"
sh -c 'echo $$ > pidfile; exec sleep 5' & p=$!
while [ ! -s pidfile ]; do sleep 0.05; done
[ "$(cat pidfile)" = "$p" ] && echo "exec keeps the pid"
kill $p; wait $p 2>/dev/null; echo "exec'd sleep killed: $?"
