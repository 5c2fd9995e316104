# redirect: >, >>, <, 2>, 2>&1, fd 3/4 with exec, here-documents (expanding,
# quoted, <<-), noclobber, tee.
umask 022
echo one > f
echo two >> f
cat f
wc -l < f
{ echo out; echo err >&2; } > o 2> e
echo "o: $(cat o) e: $(cat e)"
{ echo out; echo err >&2; } > both 2>&1
cat both
ls /nonexistent-dir 2> e2
echo "ls status $?"
cat e2
echo hidden 2>/dev/null >/dev/null
exec 3> fd3
echo "to fd3" >&3
echo "more" >&3
exec 3>&-
cat fd3
exec 4< f
read l1 <&4
read l2 <&4
exec 4<&-
echo "read from fd 4: $l1,$l2"
n=7
cat <<END
here $HOME $((n * 6))
 'single' "double" \$literal
END
cat <<'END'
no $expansion `here` $((1+1))
END
cat <<-END
	tab stripped $n
		two tabs
	END
x=$(cat <<END
inside a command substitution
END
)
echo "$x"
while read num word; do echo "$word-$num"; done <<END
1 one
2 two
3 three
END
: > empty
wc -c < empty
set -C
echo clobber > f 2>/dev/null || echo "noclobber refused"
set +C
echo clobber > f && cat f
echo data | tee t1 t2 > /dev/null
cat t1 t2
cat < /dev/null; echo "empty stdin $?"
echo "abc" > g
cat - g <<END
from here-doc
END
echo last > /proc/self/fd/1
