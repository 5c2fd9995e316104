/*
 * random.h - the kernel's random bytes (kern/random.c): a xorshift128+
 * generator seeded from the TSC and the RTC, XORed with RDRAND when the CPU
 * has it, reseeded by a hardware source when one is linked (virtio-rng).
 * Used by getrandom(2), /dev/random and /dev/urandom.
 */
#ifndef JINY_RANDOM_H
#define JINY_RANDOM_H
#include "kern/kern.h"
void random_bytes(void *buf, size_t n);
/* Mix n bytes from a hardware source into the state (any context). */
void random_add_entropy(const void *buf, size_t n);
/* fn is called (outside random's lock, from random_bytes' caller) when more
 * entropy is due; it must not wait. One reseeder: the last one set. */
void random_set_reseeder(void (*fn)(void));
#endif
