/*
 * ldisc.c - the tty line discipline (contract and the list of flags in
 * ldisc.h): Linux N_TTY input processing, canonical line editing and echo,
 * and output processing, over one 4 KiB input ring. Pure logic: the serial
 * console (fs/console.c) calls it under its lock, tests/host/test_ldisc.c
 * on the host.
 *
 * The ring holds bytes at free-running positions tail <= canon <= head
 * (taken modulo LDISC_BUF_SIZE). In canonical mode [tail, canon) are
 * completed lines, each ended by a byte whose delim bit is set (a '\n',
 * VEOL, VEOL2, or a VEOF stored as a 0 with its eofmark bit, which a read
 * consumes but does not return), and [canon, head) is the line being
 * edited. In non-canonical mode all of [tail, head) is readable.
 *
 * Echo and output go through emit(), Linux's do_output_char(): OPOST
 * processing and the output column, which erasing a tab needs.
 */
#include "fs/ldisc.h"

#define MASK(i) ((i) & (LDISC_BUF_SIZE - 1))
#define CTRL(c) ((c) & 0x1f)

static const uint8_t default_cc[NCCS_K] = {
	[VINTR_K] = CTRL('C'), [VQUIT_K] = CTRL('\\'), [VERASE_K] = 0x7f,
	[VKILL_K] = CTRL('U'), [VEOF_K] = CTRL('D'), [VTIME_K] = 0, [VMIN_K] = 1,
	[VSTART_K] = CTRL('Q'), [VSTOP_K] = CTRL('S'), [VSUSP_K] = CTRL('Z'),
	[VREPRINT_K] = CTRL('R'), [VDISCARD_K] = CTRL('O'), [VWERASE_K] = CTRL('W'),
	[VLNEXT_K] = CTRL('V'),
};

void ldisc_default_termios(struct termios_k *t)
{
	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL_K | IXON_K;
	t->c_oflag = OPOST_K | ONLCR_K;
	t->c_cflag = B38400_K | CS8_K | CREAD_K | HUPCL_K;
	t->c_lflag = ISIG_K | ICANON_K | ECHO_K | ECHOE_K | ECHOK_K | ECHOCTL_K | ECHOKE_K |
		     IEXTEN_K;
	memcpy(t->c_cc, default_cc, sizeof(default_cc));
}

void ldisc_init(struct ldisc *l, const struct termios_k *t)
{
	memset(l, 0, sizeof(*l));
	if (t)
		l->t = *t;
	else
		ldisc_default_termios(&l->t);
}

static bool lflag(const struct ldisc *l, uint32_t f)
{
	return l->t.c_lflag & f;
}
static bool iflag(const struct ldisc *l, uint32_t f)
{
	return l->t.c_iflag & f;
}
static bool oflag(const struct ldisc *l, uint32_t f)
{
	return l->t.c_oflag & f;
}

/* c is the (enabled) control character cc[i]; 0 disables one. */
static bool is_cc(const struct ldisc *l, uint8_t c, int i)
{
	return l->t.c_cc[i] && c == l->t.c_cc[i];
}

static bool test_bit(const uint8_t *map, size_t pos)
{
	return map[MASK(pos) / 8] & (1u << (pos % 8));
}

static void set_bit(uint8_t *map, size_t pos, bool v)
{
	if (v)
		map[MASK(pos) / 8] |= (uint8_t)(1u << (pos % 8));
	else
		map[MASK(pos) / 8] &= (uint8_t)~(1u << (pos % 8));
}

static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}
static bool is_cont(const struct ldisc *l, uint8_t c)
{
	return iflag(l, IUTF8_K) && (c & 0xc0) == 0x80;
}

/* ---- output ---- */

static bool put_raw(struct ldisc_out *o, uint8_t c)
{
	if (o->len >= o->cap)
		return false;
	o->echo[o->len++] = c;
	return true;
}

/*
 * One byte to the wire with output processing (Linux do_output_char). False,
 * with nothing changed, when o lacks the room ("\r\n" needs two bytes).
 */
static bool emit(struct ldisc *l, struct ldisc_out *o, uint8_t c)
{
	if (!oflag(l, OPOST_K))
		return put_raw(o, c);
	switch (c) {
	case '\n':
		if (oflag(l, ONLCR_K)) {
			if (o->cap - o->len < 2)
				return false;
			put_raw(o, '\r');
			put_raw(o, '\n');
			l->column = l->canon_column = 0;
			return true;
		}
		if (!put_raw(o, c))
			return false;
		if (oflag(l, ONLRET_K))
			l->column = 0;
		l->canon_column = l->column;
		return true;
	case '\r':
		if (oflag(l, ONOCR_K) && l->column == 0)
			return true;
		if (oflag(l, OCRNL_K)) {
			if (!put_raw(o, '\n'))
				return false;
			if (oflag(l, ONLRET_K))
				l->column = l->canon_column = 0;
			return true;
		}
		if (!put_raw(o, c))
			return false;
		l->column = l->canon_column = 0;
		return true;
	case '\t':
		if (!put_raw(o, c))
			return false;
		l->column = (l->column | 7) + 1;
		return true;
	case '\b':
		if (!put_raw(o, c))
			return false;
		if (l->column > 0)
			l->column--;
		return true;
	default:
		if (!put_raw(o, c))
			return false;
		if (!is_ctl(c) && !is_cont(l, c))
			l->column++;
		return true;
	}
}

size_t ldisc_output(struct ldisc *l, const void *in, size_t n, size_t *used, uint8_t *out,
		    size_t cap)
{
	const uint8_t *s = in;
	struct ldisc_out o = { out, cap, 0 };
	size_t i = 0;
	while (i < n && emit(l, &o, s[i]))
		i++;
	*used = i;
	return o.len;
}

/* Echo a typed byte: control characters as ^X with ECHOCTL (not TAB). */
static void echo_char(struct ldisc *l, struct ldisc_out *o, uint8_t c)
{
	if (lflag(l, ECHOCTL_K) && is_ctl(c) && c != '\t') {
		emit(l, o, '^');
		emit(l, o, c ^ 0x40);
	} else {
		emit(l, o, c);
	}
}

/* ---- the buffer ---- */

static size_t count(const struct ldisc *l)
{
	return l->head - l->tail;
}

/* Room for one more byte; in canonical mode the last one is for a terminator. */
static bool can_put(const struct ldisc *l, bool terminator)
{
	if (lflag(l, ICANON_K) && !terminator)
		return count(l) < LDISC_BUF_SIZE - 1;
	return count(l) < LDISC_BUF_SIZE;
}

static void put(struct ldisc *l, uint8_t c, bool delim, bool eof)
{
	l->buf[MASK(l->head)] = c;
	set_bit(l->delim, l->head, delim);
	set_bit(l->eofmark, l->head, eof);
	l->head++;
	if (delim)
		l->canon = l->head;
}

bool ldisc_room(const struct ldisc *l)
{
	if (lflag(l, ICANON_K) && l->canon != l->tail)
		return count(l) < LDISC_BUF_SIZE - 1;
	return count(l) < LDISC_BUF_SIZE;
}

void ldisc_flush_input(struct ldisc *l)
{
	l->tail = l->canon = l->head;
	l->lnext = false;
}

void ldisc_set_termios(struct ldisc *l, const struct termios_k *t)
{
	bool was_canon = lflag(l, ICANON_K);
	l->t = *t;
	if (was_canon == lflag(l, ICANON_K))
		return;
	memset(l->delim, 0, sizeof(l->delim));
	memset(l->eofmark, 0, sizeof(l->eofmark));
	l->lnext = false;
	if (lflag(l, ICANON_K) && count(l)) {
		/* What raw mode buffered becomes one completed line (Linux). */
		set_bit(l->delim, l->head - 1, true);
		l->canon = l->head;
	} else {
		l->canon = lflag(l, ICANON_K) ? l->tail : l->head;
	}
}

/* ---- canonical editing ---- */

/* The bytes of the character that ends at 'end' (a UTF-8 sequence with IUTF8). */
static size_t char_start(const struct ldisc *l, size_t end)
{
	size_t p = end - 1;
	while (p != l->canon && is_cont(l, l->buf[MASK(p)]))
		p--;
	return p;
}

static bool is_word(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_' || c >= 0x80;
}

/* Echo bytes needed to erase [from, head) on the screen (an upper bound). */
static size_t erase_cost(const struct ldisc *l, size_t from)
{
	size_t n = 0;
	for (size_t p = from; p != l->head; p++) {
		uint8_t c = l->buf[MASK(p)];
		if (c == '\t')
			n += 8;
		else if (is_ctl(c))
			n += lflag(l, ECHOCTL_K) ? 6 : 0;
		else if (!is_cont(l, c))
			n += 3;
	}
	return n;
}

/*
 * Back up over a tab that was at 'pos' (already removed): the columns it
 * took follow from the column where it began, found by counting back to the
 * previous tab (which ended on a tab stop) or to the start of the line.
 */
static void erase_tab(struct ldisc *l, struct ldisc_out *o, size_t pos)
{
	unsigned cols = 0;
	bool after_tab = false;
	for (size_t p = pos; p != l->canon;) {
		uint8_t c = l->buf[MASK(--p)];
		if (c == '\t') {
			after_tab = true;
			break;
		}
		if (is_ctl(c))
			cols += lflag(l, ECHOCTL_K) ? 2 : 0;
		else if (!is_cont(l, c))
			cols++;
	}
	if (!after_tab)
		cols += l->canon_column;
	unsigned bs = 8 - (cols & 7);
	if (bs > l->column)
		bs = l->column;
	while (bs--)
		emit(l, o, '\b');
}

static void echo_erase(struct ldisc *l, struct ldisc_out *o)
{
	emit(l, o, '\b');
	emit(l, o, ' ');
	emit(l, o, '\b');
}

enum { ERASE, WERASE, KILL };

/* VERASE, VWERASE (Linux's: like BSD ALTWERASE) and VKILL, and their echo. */
static void eraser(struct ldisc *l, uint8_t c, struct ldisc_out *o)
{
	int kind = is_cc(l, c, VERASE_K) ? ERASE : is_cc(l, c, VWERASE_K) ? WERASE : KILL;
	bool echo = lflag(l, ECHO_K);

	if (l->head == l->canon)
		return; /* nothing to erase */
	if (kind == KILL) {
		if (!echo) {
			l->head = l->canon;
			return;
		}
		if (!lflag(l, ECHOK_K) || !lflag(l, ECHOKE_K) || !lflag(l, ECHOE_K) ||
		    erase_cost(l, l->canon) > LDISC_ECHO_MAX - 8) {
			l->head = l->canon;
			echo_char(l, o, c);
			if (lflag(l, ECHOK_K))
				emit(l, o, '\n');
			return;
		}
	}
	if (kind == WERASE && echo) {
		size_t stop = l->head, seen = 0;
		while (stop != l->canon) {
			size_t s = char_start(l, stop);
			if (is_word(l->buf[MASK(s)]))
				seen++;
			else if (seen)
				break;
			stop = s;
		}
		if (erase_cost(l, stop) > LDISC_ECHO_MAX - 8) {
			l->head = stop;
			echo_char(l, o, c);
			emit(l, o, '\n');
			return;
		}
	}

	size_t seen = 0;
	while (l->head != l->canon) {
		size_t s = char_start(l, l->head);
		uint8_t ch = l->buf[MASK(s)];
		if (is_cont(l, ch))
			break; /* a stray continuation byte at the start: leave it */
		if (kind == WERASE) {
			if (is_word(ch))
				seen++;
			else if (seen)
				break;
		}
		l->head = s;
		if (echo) {
			if (kind == ERASE && !lflag(l, ECHOE_K)) {
				echo_char(l, o, l->t.c_cc[VERASE_K]);
			} else if (ch == '\t') {
				erase_tab(l, o, s);
			} else {
				if (is_ctl(ch) && lflag(l, ECHOCTL_K))
					echo_erase(l, o);
				if (!is_ctl(ch) || lflag(l, ECHOCTL_K))
					echo_erase(l, o);
			}
		}
		if (kind == ERASE)
			break;
	}
}

/* ---- input ---- */

/* An ordinary byte (or a literal one after VLNEXT): echo and store. */
static void receive_char(struct ldisc *l, uint8_t c, struct ldisc_out *o)
{
	if (!can_put(l, false)) {
		l->dropped++;
		if (iflag(l, IMAXBEL_K) && lflag(l, ECHO_K))
			emit(l, o, '\a');
		return;
	}
	if (lflag(l, ECHO_K)) {
		if (c == '\n') {
			emit(l, o, '\n');
		} else {
			if (l->canon == l->head)
				l->canon_column = l->column;
			echo_char(l, o, c);
		}
	}
	put(l, c, false, false);
}

/* A canonical line terminator ('\n', VEOL, VEOL2, VEOF). */
static void receive_eol(struct ldisc *l, uint8_t c, bool eof, struct ldisc_out *o)
{
	if (!can_put(l, true)) {
		l->dropped++;
		return;
	}
	if (c == '\n') {
		if (lflag(l, ECHO_K) || lflag(l, ECHONL_K))
			emit(l, o, '\n');
	} else if (!eof && lflag(l, ECHO_K)) {
		if (l->canon == l->head)
			l->canon_column = l->column;
		echo_char(l, o, c);
	}
	put(l, eof ? 0 : c, true, eof);
}

int ldisc_input(struct ldisc *l, uint8_t c, struct ldisc_out *o)
{
	if (iflag(l, ISTRIP_K))
		c &= 0x7f;
	if (l->lnext) {
		l->lnext = false;
		receive_char(l, c, o);
		return 0;
	}
	if (iflag(l, IXON_K) && (is_cc(l, c, VSTART_K) || is_cc(l, c, VSTOP_K)))
		return 0;
	if (lflag(l, ISIG_K)) {
		int sig = is_cc(l, c, VINTR_K)   ? LDISC_SIGINT
			  : is_cc(l, c, VQUIT_K) ? LDISC_SIGQUIT
			  : is_cc(l, c, VSUSP_K) ? LDISC_SIGTSTP
						 : 0;
		if (sig) {
			if (!lflag(l, NOFLSH_K))
				ldisc_flush_input(l);
			if (lflag(l, ECHO_K))
				echo_char(l, o, c);
			return sig;
		}
	}
	if (c == '\r') {
		if (iflag(l, IGNCR_K))
			return 0;
		if (iflag(l, ICRNL_K))
			c = '\n';
	} else if (c == '\n' && iflag(l, INLCR_K)) {
		c = '\r';
	}
	if (lflag(l, ICANON_K)) {
		bool ext = lflag(l, IEXTEN_K);
		if (is_cc(l, c, VERASE_K) || is_cc(l, c, VKILL_K) || (ext && is_cc(l, c, VWERASE_K))) {
			eraser(l, c, o);
			return 0;
		}
		if (ext && is_cc(l, c, VLNEXT_K)) {
			l->lnext = true;
			if (lflag(l, ECHO_K) && lflag(l, ECHOCTL_K)) {
				emit(l, o, '^');
				emit(l, o, '\b');
			}
			return 0;
		}
		if (c == '\n' || is_cc(l, c, VEOL_K) || (ext && is_cc(l, c, VEOL2_K))) {
			receive_eol(l, c, false, o);
			return 0;
		}
		if (is_cc(l, c, VEOF_K)) {
			receive_eol(l, c, true, o);
			return 0;
		}
	}
	receive_char(l, c, o);
	return 0;
}

/* ---- reading ---- */

size_t ldisc_read(struct ldisc *l, void *buf, size_t n, bool *line_end)
{
	uint8_t *d = buf;
	size_t got = 0;

	*line_end = false;
	if (!lflag(l, ICANON_K)) {
		while (got < n && l->tail != l->head) {
			size_t run = MIN(n - got, MIN(count(l), LDISC_BUF_SIZE - MASK(l->tail)));
			memcpy(d + got, &l->buf[MASK(l->tail)], run);
			got += run;
			l->tail += run;
		}
		return got;
	}
	while (got < n && l->tail != l->canon) {
		size_t p = l->tail++;
		bool delim = test_bit(l->delim, p);
		if (delim && test_bit(l->eofmark, p)) {
			*line_end = true;
			break;
		}
		d[got++] = l->buf[MASK(p)];
		if (delim) {
			*line_end = true;
			break;
		}
	}
	return got;
}

bool ldisc_readable(const struct ldisc *l)
{
	if (lflag(l, ICANON_K))
		return l->canon != l->tail;
	return l->head != l->tail;
}

bool ldisc_poll_ready(const struct ldisc *l)
{
	if (lflag(l, ICANON_K))
		return l->canon != l->tail;
	size_t need = l->t.c_cc[VMIN_K] && !l->t.c_cc[VTIME_K] ? l->t.c_cc[VMIN_K] : 1;
	return count(l) >= need;
}

size_t ldisc_avail(const struct ldisc *l)
{
	if (!lflag(l, ICANON_K))
		return count(l);
	size_t n = 0;
	for (size_t p = l->tail; p != l->canon; p++)
		n += !test_bit(l->eofmark, p);
	return n;
}
