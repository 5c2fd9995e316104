/*
 * printk.c - the kernel's formatted output: a small vsnprintf (flags "-0+ #",
 * width, precision, length hh/h/l/ll/z/t/j, conversions d i u x X o p s c %)
 * and printk, which writes to the serial console under a lock with
 * interrupts off, so lines from CPUs and interrupt handlers don't interleave.
 */
#include "kern/kern.h"
#include "drivers/serial.h"
#include "arch/arch.h"
#include "kern/spinlock.h"

static spinlock_t console_lock = SPINLOCK_INIT;

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, bool neg, int base, bool upper,
		    int width, int prec, bool left, char pad, char sign, bool alt)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	if (v == 0 && prec != 0)
		tmp[n++] = '0';
	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	int zeros = prec > n ? prec - n : 0;
	const char *prefix = "";
	if (neg)
		prefix = "-";
	else if (sign)
		prefix = sign == '+' ? "+" : " ";
	if (alt && base == 16)
		prefix = upper ? "0X" : "0x";
	int plen = (int)strlen(prefix);
	int total = plen + zeros + n;
	if (prec >= 0)
		pad = ' ';
	if (!left && pad == ' ')
		for (; total < width; width--)
			put(o, ' ');
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!left && pad == '0')
		for (; total < width; width--)
			put(o, '0');
	while (zeros--)
		put(o, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (; total < width; width--)
			put(o, ' ');
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		bool left = false, alt = false;
		char pad = ' ', sign = 0;
		int width = 0, prec = -1, lng = 0;
		for (;; fmt++) {
			if (fmt[1] == '-')
				left = true;
			else if (fmt[1] == '0')
				pad = '0';
			else if (fmt[1] == '+' || (fmt[1] == ' ' && !sign))
				sign = fmt[1];
			else if (fmt[1] == '#')
				alt = true;
			else
				break;
		}
		fmt++;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		} else
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2;
			else if (*fmt == 'h')
				;
			else
				break;
		}
		unsigned long long u;
		long long s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, long long) : va_arg(ap, int);
			put_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, s < 0, 10,
				false, width, prec, left, pad, sign, false);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			put_num(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
				width, prec, left, pad, 0, alt);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			put_num(&o, u, false, 16, false, width, prec, left, pad, 0, true);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			for (; !left && width > 1; width--)
				put(&o, ' ');
			put(&o, c);
			for (; left && width > 1; width--)
				put(&o, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = (int)(prec >= 0 ? strnlen(str, prec) : strlen(str));
			for (; !left && width > n; width--)
				put(&o, ' ');
			for (int i = 0; i < n; i++)
				put(&o, str[i]);
			for (; left && width > n; width--)
				put(&o, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	uint64_t f = spin_lock_irqsave(&console_lock);
	serial_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	spin_unlock_irqrestore(&console_lock, f);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
