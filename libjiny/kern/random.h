/*
 * random.h - the kernel's random bytes (kern/random.c): RDRAND when the CPU
 * has it, else a xorshift128+ generator seeded from the TSC and the RTC.
 * Used by getrandom(2), /dev/random and /dev/urandom.
 */
#ifndef JINY_RANDOM_H
#define JINY_RANDOM_H
#include "kern/kern.h"
void random_bytes(void *buf, size_t n);
#endif
