/*
 * tbprof.c - a QEMU TCG plugin that counts the guest instructions executed
 * in each translation block and writes them out when QEMU exits, one line
 * per block: "VADDR INSNS EXECUTIONS" (hex, decimal, decimal). report.py
 * turns that into instructions per symbol of a program. Exact counts, like
 * bench/lib/icount, but per function; blind, like it, to what TCG costs per
 * instruction. Built by build.sh against the plugin API header of the QEMU
 * that runs it; loaded through the qemu-system-x86_64 wrapper beside it.
 *
 *   -plugin tbprof.so,out=FILE    (default /tmp/tbprof.out)
 *
 * Counters are added inline and without atomics: with several vCPUs a
 * block's count may lose an update now and then.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct block {
	uint64_t vaddr, insns, count;
};

static GHashTable *blocks; /* (vaddr, insns) -> struct block */
static GMutex lock;        /* blocks, while translating */
static char outfile[512] = "/tmp/tbprof.out";

static void write_out(qemu_plugin_id_t id, void *unused)
{
	FILE *f = fopen(outfile, "w");
	if (!f) {
		fprintf(stderr, "tbprof: cannot write %s\n", outfile);
		return;
	}
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, blocks);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct block *b = v;
		if (b->count)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns, (unsigned long long)b->count);
	}
	fclose(f);
}

/* A block is translated: find or make its counter, count each execution. */
static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t va = qemu_plugin_tb_vaddr(tb), n = qemu_plugin_tb_n_insns(tb);
	uint64_t key = va ^ (n << 56);
	g_mutex_lock(&lock);
	struct block *b = g_hash_table_lookup(blocks, &key);
	if (!b) {
		b = g_new0(struct block, 1);
		b->vaddr = va;
		b->insns = n;
		uint64_t *kp = g_new(uint64_t, 1);
		*kp = key;
		g_hash_table_insert(blocks, kp, b);
	}
	g_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			snprintf(outfile, sizeof(outfile), "%s", argv[i] + 4);
		} else {
			fprintf(stderr, "tbprof: unknown argument %s (only out=FILE)\n", argv[i]);
			return -1;
		}
	}
	blocks = g_hash_table_new(g_int64_hash, g_int64_equal);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, write_out, NULL);
	return 0;
}
