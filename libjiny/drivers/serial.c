/*
 * serial.c - the 16550 UART at COM1 (0x3f8): the console. printk writes
 * here with serial_write() ('\n' sent as "\r\n"); the console tty
 * (fs/console.c, fds 0-2 of the HP app) does its own output processing and
 * uses serial_write_raw(); it polls the receiver for input. Works before
 * anything else is set up (no interrupts, no memory).
 */
#include "drivers/serial.h"
#include "arch/arch.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static bool serial_ok;

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00);  /* no interrupts */
	outb(COM1 + REG_LCR, 0x80);  /* DLAB */
	outb(COM1 + REG_DATA, 0x01); /* 115200 baud */
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x03);  /* 8N1 */
	outb(COM1 + REG_FCR, 0xc7);  /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + REG_MCR, 0x03);  /* DTR, RTS */
	serial_ok = inb(COM1 + REG_LSR) != 0xff;
}

static void serial_putc_raw(char c)
{
	/* Bounded wait: a missing or wedged UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + REG_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!serial_ok)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc_raw('\r');
		serial_putc_raw(s[i]);
	}
}

void serial_write_raw(const char *s, size_t n)
{
	if (!serial_ok)
		return;
	for (size_t i = 0; i < n; i++)
		serial_putc_raw(s[i]);
}

int serial_getc_nonblock(void)
{
	if (!serial_ok || !(inb(COM1 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + REG_DATA);
}

bool serial_rx_ready(void)
{
	return serial_ok && (inb(COM1 + REG_LSR) & LSR_DR);
}
