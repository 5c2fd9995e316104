/*
 * thread.h - Jiny kernel threads for appliance code.
 *
 * A jiny thread is a kernel thread scheduled like the app's main thread (by
 * default at the HP app's priority, round-robin with it under the timer). It
 * is NOT a libc thread: it shares the creating thread's TLS block, so the
 * function must not rely on thread-local libc state (errno of its own,
 * stdio locking, pthread_self...). Use it for computation, device polling
 * and the like; use pthreads for general code.
 * All functions return 0 or a negative errno value.
 */
#ifndef JINY_THREAD_H
#define JINY_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <jiny/jiny.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jiny_thread jiny_thread_t; /* opaque */

struct jiny_thread_attr {
	size_t stack_size; /* 0: 256 KiB; filled on demand, with a guard page */
	int priority;      /* JINY_PRIO_* */
	const char *name;  /* for crash reports; NULL: "jiny-thread" */
};

/* Start fn(arg) in a new thread. attr may be NULL. -ENOMEM, -EINVAL. */
int jiny_thread_create(jiny_thread_t **thread, void (*fn)(void *), void *arg,
		       const struct jiny_thread_attr *attr);
/* Wait for the thread to return from fn and release it. -EINVAL if already joined. */
int jiny_thread_join(jiny_thread_t *thread);

/* Its thread id, for jiny_thread_pin() and friends in jiny.h. */
int jiny_thread_tid(jiny_thread_t *thread);

#ifdef __cplusplus
}
#endif

#endif
