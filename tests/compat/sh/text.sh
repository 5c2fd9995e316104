# text applets: cat echo wc sort uniq grep sed awk head tail cut tr
printf 'banana 3\napple 10\ncherry 7\napple 2\ndate 10\n' > fruit
cat fruit
cat -n fruit
echo -n "no newline"; echo
echo -e 'a\tb\\c'
echo 'a\tb'
wc fruit
wc -l < fruit
wc -w fruit
wc -c fruit
sort fruit
sort -k2 -n fruit
sort -r fruit
sort -u -k1,1 fruit
sort -t' ' -k2,2nr -k1,1 fruit
cut -d' ' -f1 fruit | sort | uniq
cut -d' ' -f1 fruit | sort | uniq -c
cut -d' ' -f1 fruit | sort | uniq -d
grep apple fruit
grep -c apple fruit
grep -v apple fruit
grep -n -i CHERRY fruit
grep -E '^(a|b)' fruit
grep -q zzz fruit; echo "grep -q: $?"
grep -o '[0-9][0-9]*' fruit
grep -w app fruit; echo "grep -w: $?"
grep -l apple fruit /dev/null
sed 's/apple/APPLE/' fruit
sed -n '2p' fruit
sed '/cherry/d' fruit
sed -e 's/\([a-z]*\) \([0-9]*\)/\2 \1/' fruit
sed -n '/apple/=' fruit
sed '1i\
header' fruit
cp fruit fruit2
sed -i 's/3/three/' fruit2
cat fruit2
sed 'y/abc/ABC/' fruit | head -n 2
awk '{ print $2, $1 }' fruit
awk '{ s += $2 } END { print s, NR }' fruit
awk '$2 > 5 { print $1 }' fruit
awk 'BEGIN { printf "%5.2f|%s|%d\n", 3.14159, toupper("x"), length("hello") }'
awk '{ a[$1] += $2 } END { for (k in a) print k, a[k] }' fruit | sort
echo a:b:c | awk -F: '{ print NF }'
awk 'NR % 2 == 0' fruit
awk '{ gsub(/a/, "A"); print }' fruit
awk 'BEGIN { split("x,y,z", p, ","); print p[3] p[2] p[1]; print substr("abcdef", 2, 3); print index("abc", "c") }'
head -n 2 fruit
head -c 10 fruit; echo
tail -n 2 fruit
tail -c 8 fruit
tail -n +4 fruit
cut -c1-3 fruit
cut -d' ' -f2 fruit
echo a:b:c:d | cut -d: -f2-
tr a-z A-Z < fruit
echo hello | tr -d l
echo aabbccaa | tr -s ab
echo abc | tr abc xyz
echo 'a b c' | tr ' ' '\n'
echo 'tab	sep' | tr '\t' '_'
