# file applets: ls mkdir rm cp mv ln find xargs tar gzip (and cmp, touch,
# readlink, rmdir). Every listing is sorted: readdir order is the file
# system's own.
umask 022
mkdir -p d/sub/deeper
mkdir d2
echo x > d/a.txt
echo yy > d/sub/b.txt
echo zzz > d/sub/deeper/c.log
ls -1 d
ls -1a d
ls -R d
ls -ld d | awk '{ print $1, $NF }'
ls -l d/a.txt | awk '{ print $1, $2, $5, $NF }'
ls -l d/sub | awk 'NR > 1 { print $1, $NF }'
mkdir d 2>/dev/null; echo "mkdir existing: $?"
mkdir -p d/sub; echo "mkdir -p existing: $?"
cp d/a.txt d2/
cp -r d/sub d2/
ls -R d2
cp d/a.txt d2/copy.txt; cmp d/a.txt d2/copy.txt && echo "copies are equal"
mv d2/a.txt d2/renamed.txt
mv d2/sub d2/moved
ls -1 d2
ln -s ../d/a.txt d2/link
ls -l d2/link | awk '{ print substr($1, 1, 1), $(NF - 2), $(NF - 1), $NF }'
cat d2/link
readlink d2/link
ln d/a.txt d/hard
ls -l d/a.txt | awk '{ print "links:", $2 }'
echo changed >> d/hard; cat d/a.txt
rm d/hard
ls -l d/a.txt | awk '{ print "links:", $2 }'
rm -f nonexistent; echo "rm -f: $?"
rm nonexistent 2>/dev/null; echo "rm: $?"
rmdir d2/moved 2>/dev/null; echo "rmdir non-empty: $?"
rm -r d2/moved
ls -1 d2
find d | sort
find d -name '*.txt' | sort
find d -type d | sort
find d -type f -name '*.log' -exec cat {} \;
find d -type f | sort | xargs cat
find d -name '*.txt' -print0 | xargs -0 wc -c | sort
echo 1 2 3 4 5 | xargs -n 2 echo
printf 'a\nb\n' | xargs -I{} echo "item {}"
find d -maxdepth 1 | sort
tar cf t.tar d
tar tf t.tar | sort
mkdir x
tar xf t.tar -C x
find x | sort
cmp d/sub/b.txt x/d/sub/b.txt && echo "tar round trip"
tar czf t.tgz d
tar tzf t.tgz | sort
gzip -c d/a.txt > a.gz
gzip -dc a.gz
seq 1000 > nums
gzip nums
ls -1 nums*
gzip -d nums.gz
wc -l nums
echo hello gzip | gzip | gzip -d
seq 10000 | gzip -9 | gzip -dc | tail -n 1
touch -d '2001-02-03 04:05:06' stamp && ls -l --full-time stamp 2>/dev/null | awk '{ print $6, substr($7, 1, 8) }'
