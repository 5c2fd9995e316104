/*
 * test_ldisc.c - host tests of the tty line discipline (fs/ldisc.c).
 *
 * Each case types bytes into a struct ldisc as a terminal user would, and
 * checks three things against what Linux's N_TTY does with the same termios:
 * the echo sent back (after output processing), the signal asked for, and
 * what reads return. Covered: echo and ECHOCTL, erase/kill/werase with and
 * without ECHOE/ECHOK/ECHOKE, tabs, UTF-8, VEOF, VEOL, VLNEXT, ICRNL/INLCR/
 * IGNCR/ISTRIP, IXON, ISIG with and without NOFLSH, non-canonical reads and
 * VMIN for poll, mode switches with buffered input, OPOST output, the 4 KiB
 * limit (dropping, throttling, a full line still editable and endable), and
 * a random walk that checks the invariants with echo buffers of exact size
 * (ASan sees any overrun).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "fs/ldisc.h"

static struct ldisc *l;
static uint8_t echo[64 * 1024];
static size_t echo_len;
static int last_sig;

static int setup(void **state)
{
	l = malloc(sizeof(*l));
	ldisc_init(l, NULL);
	echo_len = 0;
	last_sig = 0;
	return 0;
}

static int teardown(void **state)
{
	free(l);
	return 0;
}

/* Type n bytes; echo collects in echo[], the last signal in last_sig. */
static void typen(const void *s, size_t n)
{
	const uint8_t *p = s;
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[LDISC_ECHO_MAX];
		struct ldisc_out o = { buf, sizeof(buf), 0 };
		int sig = ldisc_input(l, p[i], &o);
		assert_true(o.len <= sizeof(buf));
		assert_true(echo_len + o.len <= sizeof(echo));
		memcpy(echo + echo_len, buf, o.len);
		echo_len += o.len;
		if (sig)
			last_sig = sig;
	}
}

static void type(const char *s)
{
	typen(s, strlen(s));
}

/* The echo so far equals s; then forget it. */
static void expect_echo(const char *s)
{
	char got[sizeof(echo) + 1];
	memcpy(got, echo, echo_len);
	got[echo_len] = 0;
	assert_int_equal(echo_len, strlen(s));
	assert_string_equal(got, s);
	echo_len = 0;
}

/* One read of up to n bytes gives exactly s (may hold NULs: len given). */
static void expect_readn(size_t n, const void *s, size_t len, bool line_end)
{
	char buf[LDISC_BUF_SIZE + 16];
	bool le;
	assert_true(n <= sizeof(buf));
	size_t got = ldisc_read(l, buf, n, &le);
	assert_int_equal(got, len);
	assert_memory_equal(buf, s, len);
	assert_int_equal(le, line_end);
}

static void expect_line(const char *s)
{
	assert_true(ldisc_readable(l));
	expect_readn(LDISC_BUF_SIZE, s, strlen(s), true);
}

static void set_lflag(uint32_t on, uint32_t off)
{
	struct termios_k t = l->t;
	t.c_lflag = (t.c_lflag | on) & ~off;
	ldisc_set_termios(l, &t);
}

static void set_iflag(uint32_t on, uint32_t off)
{
	struct termios_k t = l->t;
	t.c_iflag = (t.c_iflag | on) & ~off;
	ldisc_set_termios(l, &t);
}

/* ---- canonical mode and echo ---- */

static void test_defaults(void **state)
{
	struct termios_k t;
	ldisc_default_termios(&t);
	assert_int_equal(sizeof(t), 36); /* the kernel's struct termios on x86_64 */
	assert_int_equal(t.c_iflag, 0x500);
	assert_int_equal(t.c_oflag, 0x5);
	assert_int_equal(t.c_lflag, 0x8a3b);
	assert_int_equal(t.c_cc[VINTR_K], 3);
	assert_int_equal(t.c_cc[VERASE_K], 0x7f);
	assert_int_equal(t.c_cc[VMIN_K], 1);
	assert_int_equal(t.c_cc[VWERASE_K], 0x17);
}

static void test_line_and_echo(void **state)
{
	type("abc");
	expect_echo("abc");
	assert_false(ldisc_readable(l));
	assert_int_equal(ldisc_avail(l), 0);
	type("\r"); /* ICRNL */
	expect_echo("\r\n");
	assert_true(ldisc_readable(l));
	assert_int_equal(ldisc_avail(l), 4);
	type("de\n");
	expect_echo("de\r\n");
	expect_line("abc\n");
	expect_line("de\n");
	assert_false(ldisc_readable(l));
	/* a short read leaves the rest of the line */
	type("hello\n");
	expect_readn(2, "he", 2, false);
	expect_readn(100, "llo\n", 4, true);
}

static void test_echo_off(void **state)
{
	set_lflag(0, ECHO_K);
	type("secret\n");
	expect_echo("");
	expect_line("secret\n");
	set_lflag(ECHONL_K, 0);
	type("pw\n");
	expect_echo("\r\n");
	expect_line("pw\n");
}

static void test_echoctl(void **state)
{
	type("a\001\033\t");
	expect_echo("a^A^[\t");
	set_lflag(0, ECHOCTL_K);
	type("\001");
	expect_echo("\001");
	type("\n");
	expect_line("a\001\033\t\001\n");
}

static void test_erase(void **state)
{
	type("\x7f"); /* nothing to erase: no echo */
	expect_echo("");
	type("abx\x7f" "c\n");
	expect_echo("abx\b \bc\r\n");
	expect_line("abc\n");
	/* a control character shown as ^A takes two columns */
	type("a\001\x7f\x7f\x7f" "z\n");
	expect_echo("a^A\b \b\b \b\b \bz\r\n");
	expect_line("z\n");
	/* without ECHOE the erase character is echoed instead */
	set_lflag(0, ECHOE_K);
	type("ab\x7f\n");
	expect_echo("ab^?\r\n");
	expect_line("a\n");
	/* erase cannot go back past a completed line */
	type("x\n\x7f\x7f");
	expect_echo("x\r\n");
	expect_line("x\n");
}

static void test_erase_tab(void **state)
{
	type("ab\t\x7f");
	expect_echo("ab\t\b\b\b\b\b\b");
	type("\t\x7f\n");
	expect_echo("\t\b\b\b\b\b\b\r\n");
	expect_line("ab\n");
	/* the line starts after a prompt: its column counts */
	uint8_t out[16];
	size_t used;
	assert_int_equal(ldisc_output(l, "$ ", 2, &used, out, sizeof(out)), 2);
	type("x\tab\t\x7f\x7f\x7f\x7f\n");
	/* x at column 2, tab to 8, ab to 10, tab to 16; erase back to 2 */
	expect_echo("x\tab\t"
		    "\b\b\b\b\b\b"  /* the tab from 10 to 16 */
		    "\b \b\b \b"      /* b, a */
		    "\b\b\b\b\b"     /* the tab from 3 to 8 */
		    "\r\n");
	expect_line("x\n");
}

static void test_erase_utf8(void **state)
{
	set_iflag(IUTF8_K, 0);
	type("a\xc3\xa9\x7f" "b\n"); /* é is two bytes, one column */
	expect_echo("a\xc3\xa9\b \bb\r\n");
	expect_line("ab\n");
	set_iflag(0, IUTF8_K);
	type("a\xc3\xa9\x7f\n"); /* bytes, then */
	expect_line("a\xc3\n");
}

static void test_kill(void **state)
{
	type("hello\x15");
	expect_echo("hello\b \b\b \b\b \b\b \b\b \b");
	assert_false(ldisc_readable(l));
	type("ok\n");
	expect_echo("ok\r\n");
	expect_line("ok\n");
	/* ECHOK without ECHOKE: the kill character and a new line */
	set_lflag(0, ECHOKE_K);
	type("abc\x15" "d\n");
	expect_echo("abc^U\r\nd\r\n");
	expect_line("d\n");
	/* neither: just the kill character */
	set_lflag(0, ECHOK_K);
	type("abc\x15" "e\n");
	expect_echo("abc^Ue\r\n");
	expect_line("e\n");
	/* no echo at all */
	set_lflag(0, ECHO_K);
	type("abc\x15" "f\n");
	expect_echo("");
	expect_line("f\n");
}

static void test_kill_long_line(void **state)
{
	/* too long to erase with backspaces: "^U" and a new line */
	char s[1001];
	memset(s, 'k', 1000);
	s[1000] = 0;
	type(s);
	echo_len = 0;
	type("\x15");
	expect_echo("^U\r\n");
	type("z\n");
	expect_line("z\n");
	/* the same for a long word */
	type("ab ");
	type(s);
	echo_len = 0;
	type("\x17");
	expect_echo("^W\r\n");
	type("\n");
	expect_line("ab \n");
}

static void test_werase(void **state)
{
	type("foo bar\x17");
	expect_echo("foo bar\b \b\b \b\b \b");
	type("\n");
	expect_line("foo \n");
	type("foo bar  \x17\n"); /* trailing blanks go with the word */
	expect_line("foo \n");
	type("a/b_c\x17\n"); /* punctuation ends a word, '_' does not */
	expect_line("a/\n");
	type("one\x17\x17\x17\n");
	expect_line("\n");
	/* without IEXTEN ^W is an ordinary character */
	set_lflag(0, IEXTEN_K);
	type("x\x17\n");
	expect_line("x\x17\n");
}

static void test_eof(void **state)
{
	type("\004");
	expect_echo(""); /* VEOF is not echoed */
	assert_true(ldisc_readable(l));
	assert_int_equal(ldisc_avail(l), 0);
	expect_readn(100, "", 0, true); /* end of file */
	assert_false(ldisc_readable(l));
	/* VEOF ends a non-empty line without a newline */
	type("abc\004");
	assert_int_equal(ldisc_avail(l), 3);
	expect_readn(100, "abc", 3, true);
	assert_false(ldisc_readable(l));
	/* a short read: the rest, then the (consumed) VEOF ends it */
	type("abc\004");
	expect_readn(2, "ab", 2, false);
	expect_readn(100, "c", 1, true);
	assert_false(ldisc_readable(l));
	/* read exactly to the VEOF: it stays, and reads as end of file (Linux) */
	type("xy\004");
	expect_readn(2, "xy", 2, false);
	assert_true(ldisc_readable(l));
	expect_readn(2, "", 0, true);
	/* VEOF after a completed line, erase cannot undo it */
	type("l\n\004\x7f");
	expect_line("l\n");
	expect_readn(10, "", 0, true);
}

static void test_eol_chars(void **state)
{
	struct termios_k t = l->t;
	t.c_cc[VEOL_K] = ';';
	t.c_cc[VEOL2_K] = '|';
	ldisc_set_termios(l, &t);
	type("a;b|c");
	expect_echo("a;b|c");
	expect_line("a;");
	expect_line("b|");
	assert_false(ldisc_readable(l));
	/* a disabled character (0) is never special: NUL is data */
	typen("x\0y\n", 4);
	expect_readn(100, "cx\0y\n", 5, true);
}

static void test_lnext(void **state)
{
	type("\x16\x03");
	assert_int_equal(last_sig, 0);
	type("\x16\x7f\x16\x15\n");
	expect_echo("^\b^C^\b^?^\b^U\r\n");
	expect_line("\x03\x7f\x15\n");
	/* a literal newline does not end the line */
	type("\x16\n");
	assert_false(ldisc_readable(l));
	type("\n");
	expect_line("\n\n");
}

static void test_input_flags(void **state)
{
	/* ICRNL off: CR is data, shown as ^M, and does not end a line */
	set_iflag(0, ICRNL_K);
	type("a\r");
	expect_echo("a^M");
	assert_false(ldisc_readable(l));
	type("\n");
	expect_line("a\r\n");
	/* INLCR: NL becomes CR (no line end) */
	set_iflag(INLCR_K, 0);
	type("b\n");
	assert_false(ldisc_readable(l));
	set_iflag(ICRNL_K, INLCR_K);
	type("\r");
	expect_line("b\r\n");
	/* IGNCR: CR dropped */
	set_iflag(IGNCR_K, 0);
	type("c\r\n");
	expect_line("c\n");
	/* ISTRIP */
	set_iflag(ISTRIP_K, IGNCR_K);
	type("\xe1\x8a\n"); /* 'a', '\n' */
	expect_line("a\n");
}

static void test_ixon(void **state)
{
	type("a\x13\x11" "b\n");
	expect_line("ab\n");
	set_iflag(0, IXON_K);
	type("a\x13\x11" "b\n");
	expect_line("a\x13\x11" "b\n");
}

/* ---- signals ---- */

static void test_signals(void **state)
{
	type("abc\x03");
	assert_int_equal(last_sig, LDISC_SIGINT);
	expect_echo("abc^C");
	assert_false(ldisc_readable(l)); /* the line was flushed */
	type("\n");
	expect_line("\n");
	/* completed lines are flushed too */
	type("one\ntwo\x1c");
	assert_int_equal(last_sig, LDISC_SIGQUIT);
	assert_false(ldisc_readable(l));
	type("\x1a");
	assert_int_equal(last_sig, LDISC_SIGTSTP);
	echo_len = 0;
	/* NOFLSH keeps the input */
	set_lflag(NOFLSH_K, 0);
	last_sig = 0;
	type("keep\x03\n");
	assert_int_equal(last_sig, LDISC_SIGINT);
	expect_echo("keep^C\r\n");
	expect_line("keep\n");
	/* no echo without ECHO, a raw ^C without ECHOCTL */
	set_lflag(0, ECHO_K);
	type("\x03");
	expect_echo("");
	set_lflag(ECHO_K, ECHOCTL_K);
	type("\x03");
	expect_echo("\x03");
	/* ISIG off: data */
	set_lflag(ECHOCTL_K, ISIG_K);
	last_sig = 0;
	type("\x03\x1a\n");
	assert_int_equal(last_sig, 0);
	expect_line("\x03\x1a\n");
	/* signals work in non-canonical mode too */
	set_lflag(ISIG_K, ICANON_K);
	type("xy\x03");
	assert_int_equal(last_sig, LDISC_SIGINT);
	assert_true(ldisc_readable(l)); /* NOFLSH still on */
	set_lflag(0, NOFLSH_K);
	type("\x03");
	assert_false(ldisc_readable(l));
}

static void test_signal_char_changed(void **state)
{
	struct termios_k t = l->t;
	t.c_cc[VINTR_K] = 'q';
	t.c_cc[VSUSP_K] = 0; /* disabled */
	ldisc_set_termios(l, &t);
	type("\x03\x1a");
	assert_int_equal(last_sig, 0);
	type("q");
	assert_int_equal(last_sig, LDISC_SIGINT);
	expect_echo("^C^Zq");
}

/* ---- non-canonical mode ---- */

static void test_raw(void **state)
{
	set_lflag(0, ICANON_K | ECHO_K);
	assert_false(ldisc_readable(l));
	type("a");
	assert_true(ldisc_readable(l));
	assert_true(ldisc_poll_ready(l));
	type("b\x7f\x15\x04\x17\r");
	expect_echo("");
	assert_int_equal(ldisc_avail(l), 7);
	expect_readn(3, "ab\x7f", 3, false);
	expect_readn(100, "\x15\x04\x17\n", 4, false); /* ICRNL still applies */
	assert_false(ldisc_readable(l));
	/* echo in raw mode: characters as typed, ECHOCTL applies */
	set_lflag(ECHO_K, 0);
	type("x\x01\n");
	expect_echo("x^A\r\n");
	expect_readn(100, "x\x01\n", 3, false);
	/* VMIN for poll: 3 bytes with VTIME 0, 1 byte with VTIME set */
	struct termios_k t = l->t;
	t.c_cc[VMIN_K] = 3;
	t.c_cc[VTIME_K] = 0;
	ldisc_set_termios(l, &t);
	type("12");
	assert_true(ldisc_readable(l));
	assert_false(ldisc_poll_ready(l));
	type("3");
	assert_true(ldisc_poll_ready(l));
	t.c_cc[VTIME_K] = 5;
	ldisc_set_termios(l, &t);
	expect_readn(2, "12", 2, false);
	assert_true(ldisc_poll_ready(l));
	/* the ring wraps: many rounds of odd sizes */
	ldisc_flush_input(l);
	echo_len = 0;
	set_lflag(0, ECHO_K);
	for (int i = 0; i < 300; i++) {
		char s[41];
		for (int j = 0; j < 37; j++)
			s[j] = (char)('A' + (i + j) % 26);
		typen(s, 37);
		expect_readn(37, s, 37, false);
	}
}

static void test_mode_switch(void **state)
{
	/* canonical -> raw: the line being edited becomes readable */
	type("ab");
	assert_false(ldisc_readable(l));
	set_lflag(0, ICANON_K);
	assert_true(ldisc_readable(l));
	expect_readn(100, "ab", 2, false);
	/* raw -> canonical: what is buffered becomes one line */
	type("cd");
	set_lflag(ICANON_K, 0);
	assert_true(ldisc_readable(l));
	expect_readn(100, "cd", 2, true);
	/* erase stops at that line */
	set_lflag(0, ICANON_K);
	type("ef");
	set_lflag(ICANON_K, 0);
	type("\x7f\x7f" "g\n");
	expect_line("ef");
	expect_line("g\n");
	/* an empty buffer stays empty */
	set_lflag(0, ICANON_K);
	set_lflag(ICANON_K, 0);
	assert_false(ldisc_readable(l));
}

/* ---- output processing ---- */

static void test_output(void **state)
{
	uint8_t out[64];
	size_t used, n;

	n = ldisc_output(l, "a\nb\n", 4, &used, out, sizeof(out));
	assert_int_equal(used, 4);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a\r\nb\r\n", 6);
	/* out of room: no half "\r\n" */
	n = ldisc_output(l, "\n\n", 2, &used, out, 3);
	assert_int_equal(used, 1);
	assert_int_equal(n, 2);
	n = ldisc_output(l, "\n", 1, &used, out, 1);
	assert_int_equal(used, 0);
	assert_int_equal(n, 0);
	n = ldisc_output(l, "x\n", 2, &used, out, 0);
	assert_int_equal(used, 0);
	/* OCRNL, ONOCR, ONLRET, no ONLCR */
	struct termios_k t = l->t;
	t.c_oflag = OPOST_K | OCRNL_K;
	ldisc_set_termios(l, &t);
	n = ldisc_output(l, "a\rb\n", 4, &used, out, sizeof(out));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\nb\n", 4);
	t.c_oflag = OPOST_K;
	ldisc_set_termios(l, &t);
	ldisc_output(l, "\r", 1, &used, out, sizeof(out)); /* column 0 */
	t.c_oflag = OPOST_K | ONOCR_K;
	ldisc_set_termios(l, &t);
	n = ldisc_output(l, "\r\rab\r\r", 6, &used, out, sizeof(out));
	assert_int_equal(used, 6);
	assert_memory_equal(out, "ab\r", n);
	/* OPOST off: bytes as they are, echo included */
	t.c_oflag = ONLCR_K;
	ldisc_set_termios(l, &t);
	n = ldisc_output(l, "a\nb", 3, &used, out, sizeof(out));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a\nb", 3);
	type("x\n");
	expect_echo("x\n");
}

/* ---- limits ---- */

static void test_line_overflow(void **state)
{
	static char big[6000];
	memset(big, 'x', sizeof(big));
	set_lflag(0, ECHO_K);
	typen(big, 5000);
	assert_int_equal(l->dropped, 5000 - (LDISC_BUF_SIZE - 1));
	assert_true(ldisc_room(l)); /* still taking input: the line can end */
	assert_false(ldisc_readable(l));
	/* erase and retype work on a full line */
	type("\x7fy");
	type("z"); /* no room: dropped */
	type("\n");
	assert_true(ldisc_readable(l));
	assert_false(ldisc_room(l));
	char buf[LDISC_BUF_SIZE];
	bool le;
	assert_int_equal(ldisc_read(l, buf, sizeof(buf), &le), LDISC_BUF_SIZE);
	assert_true(le);
	assert_memory_equal(buf, big, LDISC_BUF_SIZE - 2);
	assert_memory_equal(buf + LDISC_BUF_SIZE - 2, "y\n", 2);
	assert_true(ldisc_room(l));
	/* IMAXBEL rings when a byte is dropped */
	set_lflag(ECHO_K, 0);
	set_iflag(IMAXBEL_K, 0);
	typen(big, LDISC_BUF_SIZE - 1);
	echo_len = 0;
	type("q");
	expect_echo("\a");
}

static void test_throttle(void **state)
{
	/* completed lines nobody reads fill the buffer: room says stop */
	set_lflag(0, ECHO_K);
	int lines = 0;
	while (ldisc_room(l)) {
		type("0123456789abcde\n");
		lines++;
		assert_true(lines <= LDISC_BUF_SIZE / 16);
	}
	assert_int_equal(lines, LDISC_BUF_SIZE / 16);
	expect_line("0123456789abcde\n");
	assert_true(ldisc_room(l));
	/* raw mode: room until all 4096 bytes are taken */
	ldisc_flush_input(l);
	set_lflag(0, ICANON_K);
	static char big[5000];
	memset(big, 'r', sizeof(big));
	typen(big, LDISC_BUF_SIZE - 1);
	assert_true(ldisc_room(l));
	typen(big, 1);
	assert_false(ldisc_room(l));
	typen(big, 10); /* a caller that feeds anyway: dropped, never overflow */
	assert_int_equal(ldisc_avail(l), LDISC_BUF_SIZE);
}

static void test_echo_bounds(void **state)
{
	/* the echo of one byte never passes the space it is given */
	type("abcdefgh");
	for (size_t cap = 0; cap < 8; cap++) {
		uint8_t *buf = malloc(cap ? cap : 1);
		struct ldisc_out o = { buf, cap, 0 };
		ldisc_input(l, '\x15', &o); /* kill: 24 bytes of echo wanted */
		assert_true(o.len <= cap);
		free(buf);
		type("abcdefgh\n\x01");
	}
}

/* Random input under random settings: invariants hold, nothing overruns. */
static void test_random(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	static const uint8_t alphabet[] = "ab \t\r\n\x7f\x15\x17\x04\x16\x03\x1c\x1a\x13\x11\x01\xc3\xa9";
	for (int round = 0; round < 200000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 997 == 0) {
			struct termios_k t = l->t;
			t.c_lflag = (uint32_t)(x >> 20);
			t.c_iflag = (uint32_t)(x >> 40);
			t.c_oflag = (uint32_t)(x >> 10) & 0x3f;
			ldisc_set_termios(l, &t);
		}
		if (x % 7 == 0) {
			char buf[300];
			bool le;
			size_t n = (x >> 8) % sizeof(buf);
			size_t before = ldisc_avail(l);
			size_t got = ldisc_read(l, buf, n, &le);
			assert_true(got <= n);
			assert_true(got <= before);
		} else if (ldisc_room(l) || x % 3 == 0) {
			size_t cap = (x >> 12) % (LDISC_ECHO_MAX + 1);
			uint8_t *buf = malloc(cap ? cap : 1);
			struct ldisc_out o = { buf, cap, 0 };
			int sig = ldisc_input(l, alphabet[(x >> 30) % (sizeof(alphabet) - 1)], &o);
			assert_true(o.len <= cap);
			assert_true(sig == 0 || sig == LDISC_SIGINT || sig == LDISC_SIGQUIT ||
				    sig == LDISC_SIGTSTP);
			free(buf);
		}
		assert_true(l->head - l->tail <= LDISC_BUF_SIZE);
		if (l->t.c_lflag & ICANON_K) {
			assert_true(l->canon - l->tail <= l->head - l->tail);
			assert_true(ldisc_readable(l) == (ldisc_avail(l) > 0 || l->canon != l->tail));
		}
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults),       T(test_line_and_echo), T(test_echo_off),
		T(test_echoctl),        T(test_erase),         T(test_erase_tab),
		T(test_erase_utf8),     T(test_kill),          T(test_kill_long_line),
		T(test_werase),         T(test_eof),           T(test_eol_chars),
		T(test_lnext),          T(test_input_flags),   T(test_ixon),
		T(test_signals),        T(test_signal_char_changed), T(test_raw),
		T(test_mode_switch),    T(test_output),        T(test_line_overflow),
		T(test_throttle),       T(test_echo_bounds),   T(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
