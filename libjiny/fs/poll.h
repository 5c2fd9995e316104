/*
 * poll.h - waiting for file readiness (fs/poll.c), shared by poll/select
 * and epoll: a poll_wait collects callback entries that files queue on their
 * wait queues through the poll_table, and sleeps until one fires.
 */
#ifndef JINY_POLL_H
#define JINY_POLL_H

#include "fs/vfs.h"

struct poll_entry {
	struct waitq_entry e;
	struct poll_entry *next;
	struct file *file;           /* a reference: e's waitq lives in it until poll_wait_done */
};

struct poll_wait {
	struct poll_table pt;        /* handed to file_ops.poll */
	struct thread *thread;       /* the waiter */
	volatile bool triggered;     /* a queued callback fired since the last sleep */
	struct poll_entry *entries;
	struct file *polling;        /* the file whose poll() is queueing (no reference of its own) */
	int error;                   /* -ENOMEM while queueing */
};

void poll_wait_init(struct poll_wait *pw);
/* 1: woken (look again), 0: timed out, -EINTR: a signal (compat processes only) */
int poll_wait_sleep(struct poll_wait *pw, uint64_t deadline_ns);
/* The events of file f, queueing on its wait queues when pw is given (each
 * entry then holds a reference to f, so a close by another thread cannot free
 * the queue under the waiter). */
unsigned poll_file(struct file *f, struct poll_wait *pw);
void poll_wait_done(struct poll_wait *pw);                         /* dequeue, drop the files, free */

#endif
