/*
 * sys_poll_interim.c - poll(2) over file_ops.poll, by looking again every
 * millisecond: a stand-in so programs that poll stdin or a pipe keep
 * working until the poll/select/epoll branch (which queues on the files'
 * waitqs through poll_table) replaces this file.
 */
#include "sys.h"
#include "../fs/vfs.h"
#include "../sched/sched.h"
#include "../arch/x86_64/arch.h"

struct pollfd {
	int fd;
	short events, revents;
};

long sys_poll(struct pollfd *fds, unsigned long n, int timeout)
{
	if (n > 1024 * 1024)
		return -EINVAL;
	if (!uaccess_ok(fds, n * sizeof(*fds), true))
		return -EFAULT;
	uint64_t deadline = timeout < 0 ? ~0ULL : clock_ns() + (uint64_t)timeout * 1000000;
	for (;;) {
		long ready = 0;
		for (unsigned long i = 0; i < n; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			struct file *f = fd_get(fds[i].fd);
			if (!f) {
				fds[i].revents = POLLNVAL;
			} else {
				unsigned ev = f->ops && f->ops->poll ? f->ops->poll(f, NULL)
					      : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
				fds[i].revents = (short)(ev & ((unsigned)fds[i].events | POLLERR | POLLHUP));
				file_put(f);
			}
			if (fds[i].revents)
				ready++;
		}
		if (ready || clock_ns() >= deadline)
			return ready;
		sched_sleep_until(MIN(deadline, clock_ns() + 1000000));
	}
}
