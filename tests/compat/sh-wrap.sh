# sh-wrap.sh: run one busybox script test the same way on the host and in
# the guest (run-busybox.sh), under busybox sh:
#
#   sh sh-wrap.sh SCRIPT BASEDIR NAME
#
# Copies SCRIPT to BASEDIR/NAME.sh and runs it from BASEDIR/w as
# `sh ../NAME.sh` (so the shell's messages name the same path on both sides),
# with stdin from /dev/null and stdout+stderr into a pipe (so no applet sees a
# terminal, on either side), between two marker lines; the end marker carries
# the script's exit status, which is also this wrapper's.
base=$2
mkdir -p "$base/w" && cat "$1" >"$base/$3.sh" && cd "$base/w" || exit 125
echo "@@@ jiny-compat-sh begin $3 @@@"
{ sh "../$3.sh" </dev/null; echo $? >"$base/status"; } 2>&1 | cat
st=$(cat "$base/status" 2>/dev/null || echo 125)
echo "@@@ jiny-compat-sh end $3 status=$st @@@"
exit "$st"
