/*
 * cmdline.h - the kernel command line (QEMU -append, PVH start_info):
 *
 *     [kernel options] -- [NAME=VALUE ...] argv0 [args ...]
 *
 * Kernel options are words `key` or `key=value`, the value optionally in
 * double quotes. After the first standalone `--`, leading NAME=VALUE words
 * are the app's environment, the next word is argv[0] and the rest are
 * argv[1..]; these words are split like a POSIX shell does (double and
 * single quotes, backslash escapes; no expansion). Without `--`, or with
 * nothing after it, argv is {"app"}.
 */
#ifndef JINY_KERN_CMDLINE_H
#define JINY_KERN_CMDLINE_H

#include "kern/kern.h"

#define CMDLINE_MAX 65536 /* bytes, without the terminating NUL */

struct cmdline_opt {
	const char *key;   /* never NULL */
	const char *value; /* "" for a bare `key` */
};

struct cmdline {
	struct cmdline_opt *opts; /* kernel options in command-line order */
	size_t nopts;
	int argc;                 /* >= 1 after a successful parse */
	char **argv;              /* argv[argc] == NULL */
	int envc;
	char **envp;              /* "NAME=VALUE" strings, envp[envc] == NULL */
	void *mem;                /* the one kmalloc block holding all of the above */
};

/*
 * Parse s (NULL is taken as empty) into out, allocating with kmalloc.
 * 0, or -EINVAL (unterminated quote, trailing backslash), -E2BIG (longer than
 * CMDLINE_MAX) or -ENOMEM, with err (errsz bytes, may be 0) saying what and
 * where: "cmdline: unterminated quote at column 17". out is empty on error.
 */
int cmdline_parse(const char *s, struct cmdline *out, char *err, size_t errsz);
void cmdline_free(struct cmdline *c);

/* The value of kernel option key (the last one wins): NULL when absent. */
const char *cmdline_opt(const struct cmdline *c, const char *key);
/*
 * Kernel option key as a number: decimal or 0x hex, optionally followed by
 * K, M or G (binary multiples). False, *out untouched, when absent or malformed.
 */
bool cmdline_opt_u64(const struct cmdline *c, const char *key, uint64_t *out);
/* The number syntax of cmdline_opt_u64 applied to a string. */
bool cmdline_parse_u64(const char *s, uint64_t *out);

#endif
