# basics: words and quoting, parameters, arithmetic, loops, case, functions,
# exit statuses, read, eval, test.
a="two words"
printf '[%s]\n' $a "$a"
set -- x "y z" ""
echo "argc=$#"
for w in "$@"; do printf '<%s>' "$w"; done
echo
echo "${undefined:-default} ${a#two } ${a%words}| ${#a} ${a:-x} ${unset_var+set}|"
i=0
while [ $i -lt 6 ]; do
	i=$((i + 1))
	[ $i = 2 ] && continue
	[ $i = 5 ] && break
	echo "while $i"
done
for x in 1 2 3; do for y in a b; do printf '%s%s ' $x $y; done; done
echo
n=3
until [ $n -eq 0 ]; do echo "until $n"; n=$((n - 1)); done
echo $(( (7 * 6) / 4 % 5 )) $(( 1 << 10 )) $(( -7 / 2 )) $(( 0x10 + 010 )) $(( 3 > 2 && 1 ))
for f in apple.c b.h "c d.txt" e; do
	case $f in
	*.c) echo "$f: C" ;;
	*.h) echo "$f: header" ;;
	*' '*) echo "$f: has a space" ;;
	*) echo "$f: other" ;;
	esac
done
fn() { local v=inner; echo "fn($#): $* v=$v"; return 3; }
v=outer
fn a b
echo "status $? v=$v"
true; echo "true $?"
false; echo "false $?"
! false; echo "negated $?"
true && echo "and after true"
false || echo "or after false"
false && echo never
echo "after a failed && $?"
(exit 42); echo "subshell exit $?"
sh -c 'exit 7'; echo "sh -c exit $?"
nonexistent_command_xyz 2>/dev/null; echo "command not found $?"
: > notexec; chmod 644 notexec; ./notexec 2>/dev/null; echo "not executable $?"
printf '%s|%5s|%-5s|%05d|%x|%o|%c|%%\n' str ab cd 42 255 8 xyz
printf 'one two three\n' | { read first rest; echo "first=$first rest=$rest"; }
IFS=: read -r p1 p2 p3 <<END
a:b\c:d e
END
echo "p1=$p1 p2=$p2 p3=$p3"
eval 'e="evaluated $a"'
echo "$e"
test -z "" && test -n x && [ 3 -gt 2 ] && [ abc = abc ] && [ ! -e /nonexistent ] && [ -d / ] && echo "tests ok"
[ 2 -lt 1 ]; echo "false test $?"
[ -z ]; echo "one-argument test $?"
set -f; echo *; set +f
echo "${#}" "$((${#a} * 2))"
shift; echo "after shift: $# [$1]"
x=5; x=$((x * x)); echo "x=$x"
str=hello; echo "${str%l*} ${str%%l*} ${str#*l} ${str##*l}"
