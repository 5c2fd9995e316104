/*
 * ldisc.h - the tty line discipline (fs/ldisc.c): what a terminal does to
 * the bytes typed at it before a program reads them, and to the bytes a
 * program writes before they reach the wire. Linux N_TTY semantics for the
 * flags below, as pure logic with no locking, no blocking and no device:
 * fs/console.c drives it for the serial console (the UART, locks, sleeping
 * readers, signals to the foreground process group); tests/host/test_ldisc.c
 * checks it on the host.
 *
 * Input, one byte at a time through ldisc_input():
 *   c_iflag  ISTRIP, IGNCR, ICRNL, INLCR, IXON (^S/^Q are swallowed; output
 *            is never actually stopped), IUTF8 (erase takes a whole UTF-8
 *            character), IMAXBEL (a byte dropped because the buffer is full
 *            echoes BEL)
 *   c_lflag  ICANON (line editing: VERASE, VKILL, VWERASE and VLNEXT with
 *            IEXTEN, lines end at '\n', VEOL, VEOL2 with IEXTEN, VEOF),
 *            ECHO, ECHOE ("\b \b"), ECHOK/ECHOKE (how ^U is shown), ECHONL,
 *            ECHOCTL (^C shown as "^C"), ISIG (VINTR, VQUIT, VSUSP give a
 *            signal for the caller to send; pending input is flushed unless
 *            NOFLSH), IEXTEN
 *   c_cc     a control character of 0 is disabled (_POSIX_VDISABLE); VMIN and
 *            VTIME are the caller's business (they decide when to block)
 * Echo goes through the output processing below, as on Linux.
 *
 * Output, through ldisc_output() (and echo): with OPOST, ONLCR ('\n' ->
 * "\r\n"), OCRNL, ONOCR, ONLRET. The output column is tracked so that erasing
 * a tab backs up the right number of columns.
 *
 * The input buffer holds LDISC_BUF_SIZE bytes, completed lines and the line
 * being edited together, as Linux's 4 KiB N_TTY buffer. Nothing overflows:
 * in canonical mode the last byte is kept for a line terminator, so a line
 * holds at most LDISC_BUF_SIZE - 1 characters; more are dropped, and the
 * line can still be edited and ended. When a reader leaves completed data
 * unread, ldisc_room() says so and the caller leaves further input in the
 * device (flow control by not reading the UART), as Linux throttles.
 *
 * Not done: VREPRINT, VDISCARD, ECHOPRT, XCASE/IUCLC/OLCUC, PARMRK, tab
 * expansion (XTABS).
 */
#ifndef JINY_LDISC_H
#define JINY_LDISC_H

#include "kern/kern.h"
#include "abi/linux.h" /* termios_k and its flags */

/* What ldisc_input() returns when a byte asks for a signal. */
#define LDISC_SIGINT SIGINT_K
#define LDISC_SIGQUIT SIGQUIT_K
#define LDISC_SIGTSTP SIGTSTP_K

#define LDISC_BUF_SIZE 4096 /* input buffer, a power of two */
/*
 * The most echo one input byte can produce. ^U and ^W erase on the screen
 * with "\b \b" per character while that takes at most this many bytes;
 * beyond (a line of hundreds of characters, which backspaces cannot erase
 * on a real terminal anyway) they echo "^U" or "^W" and a new line.
 */
#define LDISC_ECHO_MAX 1024

struct ldisc {
	struct termios_k t;
	uint8_t buf[LDISC_BUF_SIZE];        /* input ring; positions below are free-running */
	uint8_t delim[LDISC_BUF_SIZE / 8];  /* bit set: a canonical line ends at this byte */
	uint8_t eofmark[LDISC_BUF_SIZE / 8]; /* bit set: the byte is a VEOF, never read */
	size_t tail;                        /* next byte a read takes */
	size_t canon;                       /* canonical: end of the completed lines */
	size_t head;                        /* end of the input */
	bool lnext;                         /* the next byte is literal (VLNEXT) */
	unsigned column;                    /* output column (for erasing tabs) */
	unsigned canon_column;              /* column where the edited line began */
	unsigned long dropped;              /* bytes dropped because the buffer was full */
};

/* Echo (or output) bytes for the wire, appended at echo[len], never past cap. */
struct ldisc_out {
	uint8_t *echo;
	size_t cap, len;
};

/* The termios of a fresh Linux tty: ICRNL|IXON, OPOST|ONLCR, B38400 CS8
 * CREAD HUPCL, ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN, ^C ^\ DEL
 * ^U ^D, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V. */
void ldisc_default_termios(struct termios_k *t);
void ldisc_init(struct ldisc *l, const struct termios_k *t); /* t NULL: the default */

/*
 * New settings (TCSETS*). Switching ICANON off makes everything buffered
 * readable; switching it on turns what is buffered into one completed line.
 */
void ldisc_set_termios(struct ldisc *l, const struct termios_k *t);

/*
 * Process one input byte: edit the buffer, append its echo to o (give it
 * LDISC_ECHO_MAX free bytes: echo that does not fit is dropped). Returns 0,
 * or LDISC_SIGINT/SIGQUIT/SIGTSTP for the caller to send to the foreground
 * process group (the input was then flushed, unless NOFLSH).
 */
int ldisc_input(struct ldisc *l, uint8_t c, struct ldisc_out *o);

/*
 * Whether the caller should feed more input now. False when completed input
 * waits for a reader and fills the buffer: leave further bytes in the device
 * until a read makes room. (When the line being edited alone fills it, input
 * is still taken, so that the line can be erased or ended.)
 */
bool ldisc_room(const struct ldisc *l);

/*
 * Take up to n bytes for a reader. Canonical: from one completed line at
 * most; *line_end says a line terminator (or a VEOF, which gives no byte:
 * VEOF on an empty line reads as 0 bytes, end of file) was consumed, so the
 * read is over. Non-canonical: whatever is buffered. Returns the byte count.
 */
size_t ldisc_read(struct ldisc *l, void *buf, size_t n, bool *line_end);

/* A read would return now: canonical, a completed line (or VEOF) is there;
 * otherwise at least one byte. */
bool ldisc_readable(const struct ldisc *l);
/* For poll: as ldisc_readable, but with VMIN > 0 and VTIME 0 in
 * non-canonical mode, VMIN bytes must be there (Linux). */
bool ldisc_poll_ready(const struct ldisc *l);
/* Bytes a read could return now (FIONREAD): canonical, those of completed
 * lines, VEOF marks not counted. */
size_t ldisc_avail(const struct ldisc *l);
/* Drop all input, read or being edited (TCFLSH, TCSETSF, signals). */
void ldisc_flush_input(struct ldisc *l);

/*
 * Output processing of a program's write: turns up to n bytes of in into at
 * most cap bytes of out (cap >= 2 always makes progress); *used = input
 * bytes consumed. Returns the output length.
 */
size_t ldisc_output(struct ldisc *l, const void *in, size_t n, size_t *used, uint8_t *out,
		    size_t cap);

#endif
