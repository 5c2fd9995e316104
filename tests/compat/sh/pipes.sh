# pipes: pipelines of applets, large pipes, SIGPIPE of a writer, statuses,
# pipefail, loops in pipelines.
printf '%s\n' pear apple fig apple banana fig apple | sort | uniq -c | sort -rn
seq 1 1000 | awk '{ s += $1 } END { print s }'
seq 1 100000 | wc -l
seq 1 20000 | tail -n 1
yes abc | head -n 3
yes | head -c 200000 | wc -c
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"
set -o pipefail
false | true; echo "pipefail: $?"
set +o pipefail
seq 5 | while read n; do echo "n=$n"; done | tail -n 2
echo hello world | tr a-z A-Z | sed 's/L/l/g' | rev | cut -c1-5
ls /nonexistent 2>&1 | grep -c nonexistent
cat /dev/zero | head -c 1000 | wc -c
dd if=/dev/zero bs=1024 count=64 2>/dev/null | wc -c
echo "a b c" | (read x y z; echo "$z $y $x")
v=$(seq 3 | tr '\n' ,); echo "$v"
printf 'x\ny\n' | cat -n
