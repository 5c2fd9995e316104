/*
 * inet.h - the AF_INET / AF_INET6 socket family (net/inet.c) beyond its
 * struct sock_ops, which it registers with SOCK_FAMILY (net/socket.h): the
 * ops themselves, for in-kernel users and tests (net/inet_test.c).
 */
#ifndef JINY_NET_INET_H
#define JINY_NET_INET_H

#include "net/inet_addr.h"

struct sock_ops;

/* The family's operations for AF_INET_K or AF_INET6_K (NULL otherwise). */
const struct sock_ops *inet_family_ops(int family);

#endif
