/*
 * anon.h - files with no name (eventfd, epoll; fs/anon.c): one shared
 * anonymous vnode, a file with the given ops and private data, installed as
 * a new fd. On failure the private data is the caller's to free.
 */
#ifndef JINY_ANON_H
#define JINY_ANON_H
#include "fs/vfs.h"
int anon_fd(const char *name, const struct file_ops *ops, void *priv, unsigned flags,
	    unsigned fd_flags /* O_CLOEXEC */);
#endif
