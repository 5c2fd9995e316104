/* serial.h - 16550 console (drivers/serial.c). */
#ifndef JINY_SERIAL_H
#define JINY_SERIAL_H
#include "kern/kern.h"
void serial_init(void);
void serial_write(const char *s, size_t n);     /* '\n' as "\r\n" (printk) */
void serial_write_raw(const char *s, size_t n); /* bytes as they are (the tty) */
int serial_getc_nonblock(void); /* -1 when nothing is waiting */
bool serial_rx_ready(void);
#endif
