/*
 * test_cmdline.c - host tests of the kernel command-line parser
 * (kern/cmdline.c): a table of command lines with the options, environment
 * and argv each must give (or the error), number syntax, limits, and no
 * leaks (kmalloc's bytes in use back to 0 after cmdline_free).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "kern/cmdline.h"

#define MAXW 10

struct parse_case {
	const char *in;
	int ret;
	const char *err;          /* part of the error message */
	const char *opts[MAXW];   /* "key=value"; a bare flag is "key=" */
	const char *env[MAXW];
	const char *argv[MAXW];
};

static const struct parse_case cases[] = {
	{ "", 0, NULL, {}, {}, { "app" } },
	{ "   \t\n ", 0, NULL, {}, {}, { "app" } },
	{ "verbose tick_hz=100", 0, NULL, { "verbose=", "tick_hz=100" }, {}, { "app" } },
	{ "a=1 -- prog x y", 0, NULL, { "a=1" }, {}, { "prog", "x", "y" } },
	{ "-- A=1 B_2=x prog C=3 --y", 0, NULL, {}, { "A=1", "B_2=x" }, { "prog", "C=3", "--y" } },
	{ "--", 0, NULL, {}, {}, { "app" } },
	{ "k -- ", 0, NULL, { "k=" }, {}, { "app" } },
	{ "-- A=1", 0, NULL, {}, { "A=1" }, { "app" } },
	{ "root=\"my disk\" x=y -- echo \"a b\" 'c d' e\\ f \"q\\\"x\" 'it'\\''s' \"\"", 0, NULL,
	  { "root=my disk", "x=y" }, {}, { "echo", "a b", "c d", "e f", "q\"x", "it's", "" } },
	/* Before `--`: only double quotes are special. */
	{ "path=a\\b k='x", 0, NULL, { "path=a\\b", "k='x" }, {}, { "app" } },
	{ "msg=\"a 'b' c\"", 0, NULL, { "msg=a 'b' c" }, {}, { "app" } },
	{ "-- prog --", 0, NULL, {}, {}, { "prog", "--" } },
	{ "a -- b -- c", 0, NULL, { "a=" }, {}, { "b", "--", "c" } },
	{ "--x -- y", 0, NULL, { "--x=" }, {}, { "y" } },
	{ "\"--\" a", 0, NULL, { "--=", "a=" }, {}, { "app" } },
	{ "\t a \n b  ", 0, NULL, { "a=", "b=" }, {}, { "app" } },
	{ "--\ta", 0, NULL, {}, {}, { "a" } },
	{ "-- 1A=2 prog", 0, NULL, {}, {}, { "1A=2", "prog" } },
	{ "-- \"A=1\" prog", 0, NULL, {}, {}, { "A=1", "prog" } },
	{ "-- A=\"x y\" _=z prog", 0, NULL, {}, { "A=x y", "_=z" }, { "prog" } },
	{ "-- =x prog", 0, NULL, {}, {}, { "=x", "prog" } },
	{ "-- A-B=1 prog", 0, NULL, {}, {}, { "A-B=1", "prog" } },
	{ "a=b=c", 0, NULL, { "a=b=c" }, {}, { "app" } },
	{ "k=\"\" \"\"", 0, NULL, { "k=" }, {}, { "app" } },
	{ "-- a\"b\"c \"a\\\\b\" \"a\\b\" 'a\\b' \"\\$x\" \\'", 0, NULL, {}, {},
	  { "abc", "a\\b", "a\\b", "a\\b", "$x", "'" } },
	{ "-- 'a\"b' \"a'b\"", 0, NULL, {}, {}, { "a\"b", "a'b" } },
	{ "a\"b c\"d", 0, NULL, { "ab cd=" }, {}, { "app" } },
	/* Errors, with the column of the culprit. */
	{ "a \"b", -EINVAL, "unterminated quote at column 3" },
	{ "k=\"abc", -EINVAL, "unterminated quote at column 3" },
	{ "-- x 'y", -EINVAL, "unterminated quote at column 6" },
	{ "-- x \"y\\\"", -EINVAL, "unterminated quote at column 6" },
	{ "-- x \\", -EINVAL, "trailing backslash at column 6" },
};

static int setup(void **state)
{
	host_kmalloc_setup();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(kmalloc_bytes_in_use(), 0);
	return 0;
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (n < MAXW && v[n])
		n++;
	return n;
}

static void check_case(const struct parse_case *c)
{
	struct cmdline cl;
	char err[128], opt[256];
	int ret;

	memset(err, 'x', sizeof(err));
	ret = cmdline_parse(c->in, &cl, err, sizeof(err));
	if (ret != c->ret)
		fail_msg("[%s]: returned %d (%s), expected %d", c->in, ret, err, c->ret);
	if (ret) {
		if (!strstr(err, c->err))
			fail_msg("[%s]: error \"%s\", expected \"%s\"", c->in, err, c->err);
		assert_non_null(strstr(err, "cmdline: "));
		assert_null(cl.mem);
		return;
	}
	assert_string_equal(err, "");
	assert_int_equal(cl.nopts, count(c->opts));
	for (size_t i = 0; i < cl.nopts; i++) {
		snprintf(opt, sizeof(opt), "%s=%s", cl.opts[i].key, cl.opts[i].value);
		assert_string_equal(opt, c->opts[i]);
	}
	assert_int_equal(cl.envc, count(c->env));
	for (int i = 0; i < cl.envc; i++)
		assert_string_equal(cl.envp[i], c->env[i]);
	assert_null(cl.envp[cl.envc]);
	assert_int_equal(cl.argc, count(c->argv));
	for (int i = 0; i < cl.argc; i++)
		assert_string_equal(cl.argv[i], c->argv[i]);
	assert_null(cl.argv[cl.argc]);
	cmdline_free(&cl);
}

static void test_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
}

static void test_null_and_no_err_buffer(void **state)
{
	struct cmdline cl;

	assert_int_equal(cmdline_parse(NULL, &cl, NULL, 0), 0);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.argv[0], "app");
	assert_int_equal(cl.nopts, 0);
	cmdline_free(&cl);
	assert_int_equal(cmdline_parse("\"", &cl, NULL, 0), -EINVAL);
	cmdline_free(&cl); /* harmless on a failed parse */
}

static void test_opt_lookup(void **state)
{
	struct cmdline cl;
	uint64_t v = 77;

	const char *line = "x=1 flag mem=64M x=2 bad=12q -- x=3 prog x=4";

	assert_int_equal(cmdline_parse(line, &cl, NULL, 0), 0);
	assert_string_equal(cmdline_opt(&cl, "x"), "2"); /* the last kernel one; not env/argv */
	assert_string_equal(cmdline_opt(&cl, "flag"), "");
	assert_null(cmdline_opt(&cl, "fla"));
	assert_null(cmdline_opt(&cl, "prog"));
	assert_true(cmdline_opt_u64(&cl, "mem", &v));
	assert_int_equal(v, 64 << 20);
	assert_true(cmdline_opt_u64(&cl, "x", &v));
	assert_int_equal(v, 2);
	v = 77;
	assert_false(cmdline_opt_u64(&cl, "flag", &v)); /* bare flag: no number */
	assert_false(cmdline_opt_u64(&cl, "bad", &v));
	assert_false(cmdline_opt_u64(&cl, "absent", &v));
	assert_int_equal(v, 77); /* untouched on failure */
	assert_int_equal(cl.envc, 1);
	assert_string_equal(cl.envp[0], "x=3");
	cmdline_free(&cl);
}

static void test_u64(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		uint64_t v;
	} t[] = {
		{ "0", true, 0 },
		{ "123", true, 123 },
		{ "007", true, 7 },
		{ "0x1F", true, 31 },
		{ "0X10", true, 16 },
		{ "0xdeadBEEF", true, 0xdeadbeef },
		{ "4K", true, 4096 },
		{ "4k", true, 4096 },
		{ "2m", true, 2 << 20 },
		{ "3G", true, 3ULL << 30 },
		{ "0x10k", true, 16384 },
		{ "0K", true, 0 },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "0xffffffffffffffff", true, UINT64_MAX },
		{ "16777215G", true, 16777215ULL << 30 },
		{ "17179869183G", true, 17179869183ULL << 30 },
		{ "18446744073709551616", false },
		{ "99999999999999999999999", false },
		{ "0x10000000000000000", false },
		{ "17179869184G", false },
		{ "18014398509481984K", false },
		{ "", false },
		{ "x", false },
		{ "K", false },
		{ "12x", false },
		{ "0x", false },
		{ "0xK", false },
		{ "-1", false },
		{ "+1", false },
		{ "1KB", false },
		{ "1T", false },
		{ " 1", false },
		{ "1 ", false },
		{ "1.5M", false },
		{ "0x1g", true, 1ULL << 30 },
		{ "12a", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t v = 12345;
		bool ok = cmdline_parse_u64(t[i].s, &v);
		if (ok != t[i].ok)
			fail_msg("\"%s\": %s, expected %s", t[i].s, ok ? "ok" : "rejected",
				 t[i].ok ? "ok" : "rejected");
		assert_int_equal(v, ok ? t[i].v : 12345);
	}
	uint64_t v;
	assert_false(cmdline_parse_u64(NULL, &v));
}

static void test_limits(void **state)
{
	struct cmdline cl;
	char err[128];
	char *s = malloc(CMDLINE_MAX + 2);

	/* Exactly the limit is fine... */
	memset(s, 'a', CMDLINE_MAX);
	s[CMDLINE_MAX] = '\0';
	assert_int_equal(cmdline_parse(s, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.nopts, 1);
	assert_int_equal(strlen(cl.opts[0].key), CMDLINE_MAX);
	cmdline_free(&cl);
	/* ...one byte more is not. */
	s[CMDLINE_MAX] = 'a';
	s[CMDLINE_MAX + 1] = '\0';
	assert_int_equal(cmdline_parse(s, &cl, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "longer than 65536"));

	/* Any number of words: "-- a a a ..." up to the limit. */
	memset(s, 0, CMDLINE_MAX + 2);
	strcpy(s, "--");
	size_t n = 2, words = 0;
	while (n + 2 <= CMDLINE_MAX) {
		s[n++] = ' ';
		s[n++] = 'a' + words % 26;
		words++;
	}
	assert_int_equal(cmdline_parse(s, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.argc, words);
	for (size_t i = 0; i < words; i++)
		assert_int_equal(cl.argv[i][0], 'a' + i % 26);
	assert_null(cl.argv[words]);
	cmdline_free(&cl);

	/* Many options and env words. */
	memset(s, 0, CMDLINE_MAX + 2);
	n = 0;
	for (int i = 0; i < 2000; i++)
		n += sprintf(s + n, "o%d=%d ", i, i);
	n += sprintf(s + n, "-- ");
	for (int i = 0; i < 2000; i++)
		n += sprintf(s + n, "E%d=%d ", i, i);
	sprintf(s + n, "prog");
	assert_int_equal(cmdline_parse(s, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.nopts, 2000);
	assert_int_equal(cl.envc, 2000);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cmdline_opt(&cl, "o1999"), "1999");
	assert_string_equal(cl.envp[1234], "E1234=1234");
	cmdline_free(&cl);
	free(s);
}

static void test_out_of_memory(void **state)
{
	struct cmdline cl;
	char err[128];
	char *s = malloc(40000);

	/* A line this long needs a block of fresh pages, which the source refuses. */
	memset(s, 'b', 39999);
	s[0] = '-', s[1] = '-', s[2] = ' ';
	s[39999] = '\0';
	host_pages_fail_after(0);
	assert_int_equal(cmdline_parse(s, &cl, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "out of memory"));
	host_pages_fail_after(-1);
	free(s);
}

/* Random printable lines: never crash, argv always ends with NULL. */
static void test_random(void **state)
{
	static const char alphabet[] = "ab=- \t\"'\\_A1";
	uint64_t x = 88172645463325252ULL;
	char s[64], err[128];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (x >> 7) % sizeof(s);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			s[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		s[len] = '\0';
		struct cmdline cl;
		int ret = cmdline_parse(s, &cl, err, sizeof(err));
		if (ret) {
			assert_int_equal(ret, -EINVAL);
			continue;
		}
		assert_true(cl.argc >= 1);
		assert_null(cl.argv[cl.argc]);
		assert_null(cl.envp[cl.envc]);
		for (int i = 0; i < cl.envc; i++)
			assert_non_null(strchr(cl.envp[i], '='));
		cmdline_free(&cl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_and_no_err_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opt_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_u64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
