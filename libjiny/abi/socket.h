/*
 * socket.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): sockets (uapi linux/socket.h, asm-generic/socket.h,
 * linux/in.h, linux/in6.h, linux/un.h, linux/tcp.h and the kernel's
 * user_msghdr). Addresses and ports in the sockaddr structures are in
 * network byte order; the INADDR_* values below are in host order.
 */
#ifndef JINY_ABI_SOCKET_H
#define JINY_ABI_SOCKET_H

#include "kern/kern.h"
#include "abi/fs.h"

/* Address families (a socket's domain; PF_* are the same numbers) */
#define AF_UNSPEC_K 0
#define AF_UNIX_K 1
#define AF_INET_K 2
#define AF_INET6_K 10
#define AF_NETLINK_K 16
#define AF_PACKET_K 17

/* Socket types; socket(2) and accept4(2) take the two flags or'ed in. */
#define SOCK_STREAM_K 1
#define SOCK_DGRAM_K 2
#define SOCK_RAW_K 3
#define SOCK_SEQPACKET_K 5
#define SOCK_TYPE_MASK_K 0xf
#define SOCK_NONBLOCK_K O_NONBLOCK_K
#define SOCK_CLOEXEC_K O_CLOEXEC_K

/* Protocols, which are also the option levels of setsockopt(2) */
#define IPPROTO_IP_K 0
#define IPPROTO_ICMP_K 1
#define IPPROTO_TCP_K 6
#define IPPROTO_UDP_K 17
#define IPPROTO_IPV6_K 41
#define IPPROTO_ICMPV6_K 58
#define IPPROTO_RAW_K 255
#define SOL_SOCKET_K 1
#define SOL_IP_K 0
#define SOL_TCP_K 6
#define SOL_UDP_K 17
#define SOL_IPV6_K 41
#define SOL_ICMPV6_K 58
#define SOL_RAW_K 255

/* SOL_SOCKET options (SO_RCVTIMEO/SNDTIMEO: a struct timeval_k on x86_64) */
#define SO_DEBUG_K 1
#define SO_REUSEADDR_K 2
#define SO_TYPE_K 3
#define SO_ERROR_K 4
#define SO_DONTROUTE_K 5
#define SO_BROADCAST_K 6
#define SO_SNDBUF_K 7
#define SO_RCVBUF_K 8
#define SO_KEEPALIVE_K 9
#define SO_OOBINLINE_K 10
#define SO_PRIORITY_K 12
#define SO_LINGER_K 13
#define SO_REUSEPORT_K 15
#define SO_PASSCRED_K 16
#define SO_PEERCRED_K 17
#define SO_RCVLOWAT_K 18
#define SO_SNDLOWAT_K 19
#define SO_RCVTIMEO_K 20
#define SO_SNDTIMEO_K 21
#define SO_ACCEPTCONN_K 30
#define SO_PROTOCOL_K 38
#define SO_DOMAIN_K 39

/* IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, SOL_RAW and IPPROTO_ICMPV6 options
 * (IP_TTL, IPV6_HOPLIMIT and IPV6_2292HOPLIMIT are also control messages) */
#define IP_TOS_K 1
#define IP_TTL_K 2
#define IP_HDRINCL_K 3
#define IP_RECVTTL_K 12
#define IPV6_CHECKSUM_K 7         /* IPPROTO_IPV6, or SOL_RAW for ICMPv6 (Linux) */
#define IPV6_2292HOPLIMIT_K 8
#define IPV6_UNICAST_HOPS_K 16
#define IPV6_V6ONLY_K 26
#define IPV6_RECVHOPLIMIT_K 51
#define IPV6_HOPLIMIT_K 52
#define ICMP_FILTER_K 1           /* SOL_RAW, IPv4: uint32_t, a set bit drops that type */
#define ICMP6_FILTER_K 1          /* IPPROTO_ICMPV6: uint32_t[8], a set bit blocks */
#define TCP_NODELAY_K 1
#define TCP_MAXSEG_K 2
#define TCP_KEEPIDLE_K 4
#define TCP_KEEPINTVL_K 5
#define TCP_KEEPCNT_K 6

/* send/recv flags (and msg_flags on return) */
#define MSG_OOB_K 0x1
#define MSG_PEEK_K 0x2
#define MSG_DONTROUTE_K 0x4
#define MSG_CTRUNC_K 0x8
#define MSG_TRUNC_K 0x20
#define MSG_DONTWAIT_K 0x40
#define MSG_EOR_K 0x80
#define MSG_WAITALL_K 0x100
#define MSG_CONFIRM_K 0x800
#define MSG_ERRQUEUE_K 0x2000
#define MSG_NOSIGNAL_K 0x4000
#define MSG_MORE_K 0x8000
#define MSG_WAITFORONE_K 0x10000
#define MSG_CMSG_CLOEXEC_K 0x40000000

/* shutdown(2) */
#define SHUT_RD_K 0
#define SHUT_WR_K 1
#define SHUT_RDWR_K 2

#define SOMAXCONN_K 4096          /* listen(2)'s backlog is capped here */

/* Addresses */
struct sockaddr_k {
	uint16_t sa_family;
	char sa_data[14];
};

struct sockaddr_storage_k { /* room for any address */
	uint16_t ss_family;
	char data[126];
} __aligned(8);

struct in_addr_k {
	uint32_t s_addr;
};
#define INADDR_ANY_K 0x00000000U
#define INADDR_BROADCAST_K 0xffffffffU
#define INADDR_LOOPBACK_K 0x7f000001U

struct sockaddr_in_k {
	uint16_t sin_family;
	uint16_t sin_port;
	struct in_addr_k sin_addr;
	uint8_t sin_zero[8];
};

/* The union's name and members are Linux's; libcs make s6_addr a macro. */
struct in6_addr_k {
	union {
		uint8_t u6_addr8[16];
		uint16_t u6_addr16[8];
		uint32_t u6_addr32[4];
	} in6_u;
};

struct sockaddr_in6_k {
	uint16_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr_k sin6_addr;
	uint32_t sin6_scope_id;
};

#define UNIX_PATH_MAX_K 108
struct sockaddr_un_k {
	uint16_t sun_family;
	char sun_path[UNIX_PATH_MAX_K];
};

/* sendmsg/recvmsg (the kernel's struct user_msghdr) */
struct msghdr_k {
	void *msg_name;
	uint32_t msg_namelen;
	struct iovec_k *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	uint32_t msg_flags;
};

struct mmsghdr_k { /* sendmmsg/recvmmsg */
	struct msghdr_k msg_hdr;
	uint32_t msg_len;
};

/* Control messages: a header, then the data, each padded to 8 bytes. */
struct cmsghdr_k {
	size_t cmsg_len;              /* header and data, without the final padding */
	int cmsg_level;
	int cmsg_type;
};
#define CMSG_ALIGN_K(len) (((len) + sizeof(long) - 1) & ~(sizeof(long) - 1))
#define CMSG_LEN_K(len) (CMSG_ALIGN_K(sizeof(struct cmsghdr_k)) + (len))
#define CMSG_SPACE_K(len) (CMSG_ALIGN_K(sizeof(struct cmsghdr_k)) + CMSG_ALIGN_K(len))
#define SCM_RIGHTS_K 1            /* SOL_SOCKET: file descriptors (int[]) */
#define SCM_CREDENTIALS_K 2       /* SOL_SOCKET: struct ucred_k */

struct ucred_k { /* SCM_CREDENTIALS, SO_PEERCRED */
	int32_t pid;
	uint32_t uid, gid;
};

struct linger_k { /* SO_LINGER */
	int l_onoff;
	int l_linger;
};

#endif
