# subshells: ( ), { }, $( ), backticks, what a subshell keeps and changes,
# exported variables, $$ and $PPID.
x=1
(x=2; echo "in $x")
echo "out $x"
{ x=3; }
echo "group $x"
d=$(pwd)
(cd /; [ "$(pwd)" = / ] && echo "subshell cd /")
[ "$(pwd)" = "$d" ] && echo "cwd unchanged"
echo "$(echo nested $(echo deeper $(echo deepest)))"
echo `echo backtick`
v=$(exit 3); echo "substitution status $?"
echo $( (echo a; echo b) | wc -l )
f() ( x=inside; echo "f: $x" )
f
echo "after f: $x"
export E=1
sh -c 'echo "child sees E=$E"'
unset E
sh -c 'echo "after unset [${E:-}]"'
NOTEXPORTED=1 sh -c 'echo "prefix assignment: $NOTEXPORTED"'
echo "shell var after prefix: [${NOTEXPORTED:-}]"
[ "$(echo $$)" = "$$" ] && echo "a subshell keeps \$\$"
[ "$(sh -c 'echo $PPID')" = "$$" ] && echo "a child's \$PPID is our \$\$"
(exit 5) || echo "subshell failed: $?"
out=$(echo one; echo two >&2) 2>/dev/null
echo "captured: $out"
r=$( { echo err >&2; } 2>&1 )
echo "stderr captured: $r"
( umask 077; umask ) ; umask
set -- a b c
( set -- x; echo "inner $#" ); echo "outer $#"
