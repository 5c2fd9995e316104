/*
 * cmdline.c - splits the kernel command line into kernel options, the app's
 * environment and its argv (syntax in cmdline.h). Called once by the
 * start-up code (kern/) with the string from PVH start_info; the result
 * feeds the option lookups of every subsystem and the HP app's initial
 * stack. Pure logic, also compiled on the host for tests/host/test_cmdline.c.
 *
 * split() runs twice over the string: once to count words and bytes, once
 * to write them, so everything lands in a single kmalloc block sized exactly.
 * Unquoting never makes a word longer, so the strings need at most as many
 * bytes as the command line plus one.
 */
#include "kern/cmdline.h"
#include "kern/errno.h"
#include "mm/mm.h"

struct counts {
	size_t nopts; /* kernel option words */
	int envc;     /* NAME=VALUE words after `--` */
	int argc;     /* the rest */
	size_t bytes; /* of all words with their NULs */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* In sh, a backslash inside double quotes escapes only these. */
static bool dq_escapable(char c)
{
	return c == '$' || c == '`' || c == '"' || c == '\\';
}

/* Does the raw word at s start with an unquoted NAME= ? */
static bool is_assignment(const char *s, size_t len)
{
	size_t i = 0;

	if (!len || !is_name_start(s[0]))
		return false;
	while (++i < len && (is_name_start(s[i]) || (s[i] >= '0' && s[i] <= '9')))
		;
	return i < len && s[i] == '=';
}

/* Is the word at s a standalone `--`? */
static bool is_dashdash(const char *s, size_t len)
{
	return len >= 2 && s[0] == '-' && s[1] == '-' && (len == 2 || is_space(s[2]));
}

#define EMIT(ch)                      \
	do {                          \
		if (out)              \
			out[o] = (ch); \
		o++;                  \
	} while (0)

/*
 * Split s[0..len) into words, unquoted and NUL-terminated one after another
 * in out (when out is not NULL), in the order kernel options, environment,
 * argv; count them in *n. Before `--` only double quotes group; after it,
 * also single quotes and backslashes, as in sh.
 */
static int split(const char *s, size_t len, char *out, struct counts *n, char *err, size_t errsz)
{
	size_t i = 0, o = 0, q = 0;
	bool app = false, env = true;

	memset(n, 0, sizeof(*n));
	for (;;) {
		size_t word_o = o;
		bool is_env;

		while (i < len && is_space(s[i]))
			i++;
		if (i == len)
			break;
		if (!app && is_dashdash(s + i, len - i)) {
			app = true;
			i += 2;
			continue;
		}
		is_env = app && env && is_assignment(s + i, len - i);
		if (app && !is_env)
			env = false; /* argv[0] ends the environment */
		while (i < len && !is_space(s[i])) {
			char c = s[i];
			if (c == '"') {
				for (q = i++; i < len && s[i] != '"'; i++) {
					if (app && s[i] == '\\' && i + 1 < len &&
					    dq_escapable(s[i + 1]))
						i++;
					EMIT(s[i]);
				}
				if (i == len)
					goto out_unterminated;
				i++;
			} else if (app && c == '\'') {
				for (q = i++; i < len && s[i] != '\''; i++)
					EMIT(s[i]);
				if (i == len)
					goto out_unterminated;
				i++;
			} else if (app && c == '\\') {
				if (i + 1 == len)
					goto out_backslash;
				EMIT(s[i + 1]);
				i += 2;
			} else {
				EMIT(c);
				i++;
			}
		}
		EMIT('\0');
		if (!app) {
			if (o - word_o == 1)
				o = word_o; /* an empty option ("") is no option */
			else
				n->nopts++;
		} else if (is_env) {
			n->envc++;
		} else {
			n->argc++;
		}
	}
	n->bytes = o;
	return 0;

out_unterminated:
	ksnprintf(err, errsz, "cmdline: unterminated quote at column %zu", q + 1);
	return -EINVAL;
out_backslash:
	ksnprintf(err, errsz, "cmdline: trailing backslash at column %zu", i + 1);
	return -EINVAL;
}
#undef EMIT

int cmdline_parse(const char *s, struct cmdline *out, char *err, size_t errsz)
{
	static const char default_argv0[] = "app";
	struct counts n, n2;
	size_t len, size, i;
	char *mem, *str, *end;
	int ret;

	memset(out, 0, sizeof(*out));
	if (errsz)
		err[0] = '\0';
	if (!s)
		s = "";
	len = strnlen(s, CMDLINE_MAX + 1);
	if (len > CMDLINE_MAX) {
		ksnprintf(err, errsz, "cmdline: longer than %d bytes", CMDLINE_MAX);
		return -E2BIG;
	}
	ret = split(s, len, NULL, &n, err, errsz);
	if (ret)
		return ret;
	if (n.argc == 0)
		n.bytes += sizeof(default_argv0);
	size = n.nopts * sizeof(struct cmdline_opt) +
	       (size_t)(MAX(n.argc, 1) + 1 + n.envc + 1) * sizeof(char *) + n.bytes;
	mem = kmalloc(size);
	if (!mem) {
		ksnprintf(err, errsz, "cmdline: out of memory (%zu bytes)", size);
		return -ENOMEM;
	}
	out->mem = mem;
	out->opts = (struct cmdline_opt *)mem;
	out->argv = (char **)(out->opts + n.nopts);
	out->envp = out->argv + MAX(n.argc, 1) + 1;
	str = (char *)(out->envp + n.envc + 1);
	end = mem + size;
	split(s, len, str, &n2, err, errsz);

	/* The words come in order: options, environment, argv. */
	for (i = 0; i < n.nopts; i++) {
		char *eq = strchr(str, '=');
		out->opts[i].key = str;
		str += strlen(str) + 1;
		if (eq) {
			*eq = '\0';
			out->opts[i].value = eq + 1;
		} else {
			out->opts[i].value = str - 1; /* the key's NUL: "" */
		}
	}
	out->nopts = n.nopts;
	for (out->envc = 0; out->envc < n.envc; out->envc++) {
		out->envp[out->envc] = str;
		str += strlen(str) + 1;
	}
	out->envp[out->envc] = NULL;
	for (out->argc = 0; out->argc < n.argc; out->argc++) {
		out->argv[out->argc] = str;
		str += strlen(str) + 1;
	}
	if (out->argc == 0) {
		memcpy(str, default_argv0, sizeof(default_argv0));
		out->argv[out->argc++] = str;
		str += sizeof(default_argv0);
	}
	out->argv[out->argc] = NULL;
	BUG_ON(str != end);
	return 0;
}

void cmdline_free(struct cmdline *c)
{
	kfree(c->mem);
	c->mem = NULL;
	c->opts = NULL;
	c->argv = c->envp = NULL;
	c->nopts = 0;
	c->argc = c->envc = 0;
}

const char *cmdline_opt(const struct cmdline *c, const char *key)
{
	for (size_t i = c->nopts; i-- > 0;)
		if (!strcmp(c->opts[i].key, key))
			return c->opts[i].value;
	return NULL;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool cmdline_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	bool any = false;
	int d;

	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s)) < (int)base; s++) {
		if (v > (UINT64_MAX - d) / base)
			return false; /* overflow */
		v = v * base + d;
		any = true;
	}
	if (!any)
		return false;
	switch (*s) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		s++;
	if (*s || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

bool cmdline_opt_u64(const struct cmdline *c, const char *key, uint64_t *out)
{
	return cmdline_parse_u64(cmdline_opt(c, key), out);
}
