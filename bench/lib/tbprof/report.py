#!/usr/bin/env python3
# bench/lib/tbprof/report.py ELF PROFILE [N]: guest instructions per symbol
# of ELF from a tbprof.c profile, the N largest (default 40), with each one's
# share of all instructions counted. Blocks outside ELF's functions are
# summed per MiB ("other:ADDR"), those in the upper half as "kernel-hi" (a
# Linux guest's kernel).
#
#   bench/lib/tbprof/report.py ELF PROFILE [N] [--against ELF2 PROFILE2]
#
# With --against, the table is the difference per symbol name (first minus
# second), largest first and last: how two builds of one program differ.
import bisect, collections, subprocess, sys


def per_symbol(elf, prof):
    syms = []
    out = subprocess.run(['nm', '-n', elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'tTwW':
            syms.append((int(p[0], 16), p[2]))
    addrs = [a for a, _ in syms]
    tot = collections.Counter()
    with open(prof) as f:
        for line in f:
            va, insns, count = line.split()
            va = int(va, 16)
            i = bisect.bisect_right(addrs, va) - 1
            if i >= 0 and va - syms[i][0] < 0x100000:
                name = syms[i][1]
            elif va >= 0x800000000000:
                name = 'kernel-hi'
            else:
                name = 'other:%x' % (va >> 20 << 20)
            tot[name] += int(insns) * int(count)
    return tot


def main(argv):
    if '--against' in argv:
        k = argv.index('--against')
        a, b = per_symbol(*argv[1:3]), per_symbol(*argv[k + 1:k + 3])
        n = int(argv[3]) if k > 3 else 20
        print('first %.1fM, second %.1fM instructions' % (sum(a.values()) / 1e6, sum(b.values()) / 1e6))
        diff = sorted(((a[s] - b[s], s) for s in set(a) | set(b)), reverse=True)
        for d, s in diff[:n] + [(None, '...')] + diff[-n:]:
            if d is None:
                print('...')
            else:
                print('%+9.1fM %9.1fM %9.1fM  %s' % (d / 1e6, a[s] / 1e6, b[s] / 1e6, s))
        return 0
    if len(argv) < 3:
        sys.stderr.write('usage: report.py ELF PROFILE [N] [--against ELF2 PROFILE2]\n')
        return 2
    tot = per_symbol(argv[1], argv[2])
    n = int(argv[3]) if len(argv) > 3 else 40
    all_ = sum(tot.values())
    print('total %.3fe9 instructions' % (all_ / 1e9))
    for name, c in tot.most_common(n):
        print('%7.2f%% %13d  %s' % (100.0 * c / all_, c, name))
    return 0


sys.exit(main(sys.argv))
