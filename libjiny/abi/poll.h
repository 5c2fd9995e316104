/*
 * poll.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): readiness (uapi asm-generic/poll.h, linux/eventpoll.h,
 * linux/eventfd.h). The kernel's own event masks (file_ops.poll, wait-queue
 * keys) are these POLL* bits.
 */
#ifndef JINY_ABI_POLL_H
#define JINY_ABI_POLL_H

#include "kern/kern.h"
#include "abi/fs.h"

#define POLLIN_K 0x001
#define POLLPRI_K 0x002
#define POLLOUT_K 0x004
#define POLLERR_K 0x008
#define POLLHUP_K 0x010
#define POLLNVAL_K 0x020
#define POLLRDNORM_K 0x040
#define POLLRDBAND_K 0x080
#define POLLWRNORM_K 0x100
#define POLLWRBAND_K 0x200
#define POLLRDHUP_K 0x2000

struct pollfd_k {
	int fd;
	short events, revents;
};

/* epoll: the events are the POLL* bits above, plus these input flags. */
#define EPOLLEXCLUSIVE_K (1u << 28)
#define EPOLLWAKEUP_K (1u << 29)
#define EPOLLONESHOT_K (1u << 30)
#define EPOLLET_K (1u << 31)
#define EPOLL_CLOEXEC_K O_CLOEXEC_K
#define EPOLL_CTL_ADD_K 1
#define EPOLL_CTL_DEL_K 2
#define EPOLL_CTL_MOD_K 3

/* Packed on x86_64 (12 bytes), unlike on every other architecture. */
struct epoll_event_k {
	uint32_t events;
	uint64_t data;
} __packed;

/* eventfd2(2) */
#define EFD_SEMAPHORE_K 1
#define EFD_CLOEXEC_K O_CLOEXEC_K
#define EFD_NONBLOCK_K O_NONBLOCK_K

#endif
