# trap: EXIT, caught/ignored/reset signals, traps in child shells, exit
# statuses of signalled processes, the trap listing.
trap 'echo "EXIT trap of the script"' EXIT
trap 'echo "got USR1"' USR1
kill -USR1 $$
echo "after USR1"
trap - USR1
trap 'echo "got USR2"' USR2
trap
trap - USR2
sh -c 'trap "echo sub TERM; exit 9" TERM; kill -TERM $$; echo not reached'
echo "trapped TERM, exit: $?"
sh -c 'trap "echo in the exit trap" EXIT; exit 4'
echo "exit trap keeps the status: $?"
sh -c 'kill -TERM $$; echo not reached'
echo "killed by TERM: $?"
sh -c 'kill -KILL $$; echo not reached'
echo "killed by KILL: $?"
sh -c 'trap "" INT; kill -INT $$; echo "INT ignored"'
trap 'echo "INT trapped"' INT
kill -INT $$
trap - INT
sh -c 'sleep 5 & p=$!; trap "kill $p; echo cleaned up" EXIT; exit 0'
echo "cleanup: $?"
sh -c 'trap "echo HUP; exit 1" HUP; kill -HUP $$'
echo "HUP: $?"
(trap 'echo "subshell EXIT"' EXIT; echo "in subshell")
echo end
