# jobs: background jobs, $!, wait (one, all, statuses), kill of a job,
# a trap in a background subshell, concurrent jobs writing files.
sleep 0.3 & p1=$!
(echo bg-output > bgfile; exit 5) & p2=$!
wait $p2; echo "wait p2: $?"
cat bgfile
wait $p1; echo "wait p1: $?"
for i in 4 3 2 1; do (sleep 0.$i; echo "job $i" > job$i) & done
wait
cat job1 job2 job3 job4
sleep 10 & p=$!
kill $p
wait $p 2>/dev/null; echo "killed with TERM: $?"
sleep 10 & p=$!
kill -9 $p
wait $p 2>/dev/null; echo "killed with KILL: $?"
kill -0 $$ && echo "kill -0 \$\$: we exist"
(exit 3) &
wait $!; echo "background (exit 3): $?"
wait; echo "wait with no jobs: $?"
sleep 0.2 & sleep 0.1 &
wait
echo "both done"
(
	trap 'echo "child got USR1"; exit 0' USR1
	: > ready
	while :; do sleep 0.05; done
) & p=$!
while [ ! -e ready ]; do sleep 0.05; done
kill -USR1 $p
wait $p 2>/dev/null; echo "trapped child: $?"
for n in 1 2 3 4 5; do (echo "line $n" >> lines) & done
wait
sort lines
