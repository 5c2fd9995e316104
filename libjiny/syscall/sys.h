/*
 * sys.h - prototypes of the system-call handlers (DESIGN.md 4). Each takes
 * the Linux arguments and returns a value or -errno. SYS_EXPORT gives the
 * handler its exported symbol __jiny_sys_<name>, which musl's syscall_arch.h
 * calls directly; every other kernel symbol is hidden. syscalls.def numbers
 * them; dispatch.c builds the table (a missing prototype is a compile error).
 */
#ifndef JINY_SYS_H
#define JINY_SYS_H

#include "kern/kern.h"
#include "kern/errno.h"
#include "abi/linux.h"

#define SYS_EXPORT(name) __asm__("__jiny_sys_" #name) __export

/* sys_time.c: a user timespec as nanoseconds; -EFAULT, or -EINVAL when negative
 * or tv_nsec >= 1e9. Values past TIMESPEC_FOREVER (~146 years) saturate there. */
#define TIMESPEC_FOREVER (1ULL << 62)
long timespec_get_ns(const struct timespec_k *ts, uint64_t *ns);

/* syscall/sys_io.c: calls on file descriptors */
long sys_read(int fd, void *buf, size_t n) SYS_EXPORT(read);
long sys_write(int fd, const void *buf, size_t n) SYS_EXPORT(write);
long sys_pread64(int fd, void *buf, size_t n, long pos) SYS_EXPORT(pread64);
long sys_pwrite64(int fd, const void *buf, size_t n, long pos) SYS_EXPORT(pwrite64);
long sys_readv(int fd, const struct iovec_k *iov, int cnt) SYS_EXPORT(readv);
long sys_writev(int fd, const struct iovec_k *iov, int cnt) SYS_EXPORT(writev);
long sys_preadv(int fd, const struct iovec_k *iov, int cnt, long pos_l, long pos_h)
	SYS_EXPORT(preadv);
long sys_pwritev(int fd, const struct iovec_k *iov, int cnt, long pos_l, long pos_h)
	SYS_EXPORT(pwritev);
long sys_close(int fd) SYS_EXPORT(close);
long sys_lseek(int fd, long off, int whence) SYS_EXPORT(lseek);
long sys_dup(int fd) SYS_EXPORT(dup);
long sys_dup2(int old, int new) SYS_EXPORT(dup2);
long sys_dup3(int old, int new, int flags) SYS_EXPORT(dup3);
long sys_ioctl(int fd, unsigned long req, unsigned long arg) SYS_EXPORT(ioctl);
long sys_fcntl(int fd, int cmd, unsigned long arg) SYS_EXPORT(fcntl);
long sys_fsync(int fd) SYS_EXPORT(fsync);
long sys_fdatasync(int fd) SYS_EXPORT(fdatasync);
long sys_sync(void) SYS_EXPORT(sync);
long sys_fadvise64(int fd, long off, long len, int advice) SYS_EXPORT(fadvise64);
long sys_flock(int fd, int op) SYS_EXPORT(flock);
long sys_sendfile(int out_fd, int in_fd, long *offp, size_t count) SYS_EXPORT(sendfile);

/* fs/poll.c (ppoll, select, pselect6 and epoll are declared with their files) */
long sys_poll(struct pollfd_k *fds, unsigned long n, int timeout) SYS_EXPORT(poll);

/* syscall/sys_fs.c: path-based calls */
long sys_open(const char *path, int flags, unsigned mode) SYS_EXPORT(open);
long sys_openat(int dirfd, const char *path, int flags, unsigned mode) SYS_EXPORT(openat);
long sys_creat(const char *path, unsigned mode) SYS_EXPORT(creat);
long sys_stat(const char *path, struct stat_k *st) SYS_EXPORT(stat);
long sys_lstat(const char *path, struct stat_k *st) SYS_EXPORT(lstat);
long sys_fstat(int fd, struct stat_k *st) SYS_EXPORT(fstat);
long sys_newfstatat(int dirfd, const char *path, struct stat_k *st, int flags)
	SYS_EXPORT(newfstatat);
long sys_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx_k *buf)
	SYS_EXPORT(statx);
long sys_access(const char *path, int mode) SYS_EXPORT(access);
long sys_faccessat(int dirfd, const char *path, int mode) SYS_EXPORT(faccessat);
long sys_faccessat2(int dirfd, const char *path, int mode, int flags) SYS_EXPORT(faccessat2);
long sys_getdents(int fd, void *buf, size_t count) SYS_EXPORT(getdents);
long sys_getdents64(int fd, void *buf, size_t count) SYS_EXPORT(getdents64);
long sys_mkdir(const char *path, unsigned mode) SYS_EXPORT(mkdir);
long sys_mkdirat(int dirfd, const char *path, unsigned mode) SYS_EXPORT(mkdirat);
long sys_rmdir(const char *path) SYS_EXPORT(rmdir);
long sys_unlink(const char *path) SYS_EXPORT(unlink);
long sys_unlinkat(int dirfd, const char *path, int flags) SYS_EXPORT(unlinkat);
long sys_mknod(const char *path, unsigned mode, unsigned dev) SYS_EXPORT(mknod);
long sys_mknodat(int dirfd, const char *path, unsigned mode, unsigned dev) SYS_EXPORT(mknodat);
long sys_symlink(const char *target, const char *path) SYS_EXPORT(symlink);
long sys_symlinkat(const char *target, int dirfd, const char *path) SYS_EXPORT(symlinkat);
long sys_link(const char *old, const char *new) SYS_EXPORT(link);
long sys_linkat(int olddirfd, const char *old, int newdirfd, const char *new, int flags)
	SYS_EXPORT(linkat);
long sys_rename(const char *old, const char *new) SYS_EXPORT(rename);
long sys_renameat(int olddirfd, const char *old, int newdirfd, const char *new)
	SYS_EXPORT(renameat);
long sys_renameat2(int olddirfd, const char *old, int newdirfd, const char *new, unsigned flags)
	SYS_EXPORT(renameat2);
long sys_readlink(const char *path, char *buf, int size) SYS_EXPORT(readlink);
long sys_readlinkat(int dirfd, const char *path, char *buf, int size) SYS_EXPORT(readlinkat);
long sys_truncate(const char *path, long len) SYS_EXPORT(truncate);
long sys_ftruncate(int fd, long len) SYS_EXPORT(ftruncate);
long sys_chmod(const char *path, unsigned mode) SYS_EXPORT(chmod);
long sys_fchmod(int fd, unsigned mode) SYS_EXPORT(fchmod);
long sys_fchmodat(int dirfd, const char *path, unsigned mode) SYS_EXPORT(fchmodat);
long sys_chown(const char *path, uint32_t uid, uint32_t gid) SYS_EXPORT(chown);
long sys_lchown(const char *path, uint32_t uid, uint32_t gid) SYS_EXPORT(lchown);
long sys_fchown(int fd, uint32_t uid, uint32_t gid) SYS_EXPORT(fchown);
long sys_fchownat(int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
	SYS_EXPORT(fchownat);
long sys_utimensat(int dirfd, const char *path, const struct timespec_k *times, int flags)
	SYS_EXPORT(utimensat);
long sys_umask(unsigned mask) SYS_EXPORT(umask);
long sys_chdir(const char *path) SYS_EXPORT(chdir);
long sys_fchdir(int fd) SYS_EXPORT(fchdir);
long sys_getcwd(char *buf, size_t size) SYS_EXPORT(getcwd);
long sys_statfs(const char *path, struct statfs_k *buf) SYS_EXPORT(statfs);
long sys_fstatfs(int fd, struct statfs_k *buf) SYS_EXPORT(fstatfs);
long sys_mount(const char *source, const char *target, const char *type, unsigned long flags,
	       const void *data) SYS_EXPORT(mount);
long sys_umount2(const char *target, int flags) SYS_EXPORT(umount2);
long sys_pipe(int *fds) SYS_EXPORT(pipe);
long sys_pipe2(int *fds, int flags) SYS_EXPORT(pipe2);

/* mm/mmap.c */
long sys_mmap(unsigned long addr, unsigned long len, int prot, int flags, int fd, long off)
	SYS_EXPORT(mmap);
long sys_munmap(unsigned long addr, unsigned long len) SYS_EXPORT(munmap);
long sys_mprotect(unsigned long addr, unsigned long len, int prot) SYS_EXPORT(mprotect);
long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, int flags,
		unsigned long new_addr) SYS_EXPORT(mremap);
long sys_madvise(unsigned long addr, unsigned long len, int advice) SYS_EXPORT(madvise);
long sys_brk(unsigned long addr) SYS_EXPORT(brk);

/* syscall/sys_thread.c */
long sys_exit(int status) SYS_EXPORT(exit) __noreturn;
long sys_set_tid_address(int *tidptr) SYS_EXPORT(set_tid_address);
long sys_gettid(void) SYS_EXPORT(gettid);
long sys_sched_yield(void) SYS_EXPORT(sched_yield);
long sys_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec_k *timeout,
	       uint32_t *uaddr2, uint32_t val3) SYS_EXPORT(futex);
long sys_sched_setaffinity(int tid, size_t len, const void *mask) SYS_EXPORT(sched_setaffinity);
long sys_sched_getaffinity(int tid, size_t len, void *mask) SYS_EXPORT(sched_getaffinity);
long sys_getcpu(unsigned *cpu, unsigned *node, void *cache) SYS_EXPORT(getcpu);
long sys_set_robust_list(void *head, size_t len) SYS_EXPORT(set_robust_list);

/* syscall/sys_proc.c */
long sys_exit_group(int status) SYS_EXPORT(exit_group);
long sys_getpid(void) SYS_EXPORT(getpid);
long sys_getppid(void) SYS_EXPORT(getppid);
long sys_arch_prctl(int code, unsigned long addr) SYS_EXPORT(arch_prctl);
long sys_uname(void *buf) SYS_EXPORT(uname);
long sys_getrandom(void *buf, size_t n, unsigned flags) SYS_EXPORT(getrandom);

/* proc/ids.c: ids, limits, accounting (per process) */
long sys_getuid(void) SYS_EXPORT(getuid);
long sys_geteuid(void) SYS_EXPORT(geteuid);
long sys_getgid(void) SYS_EXPORT(getgid);
long sys_getegid(void) SYS_EXPORT(getegid);
long sys_getresuid(uint32_t *r, uint32_t *e, uint32_t *s) SYS_EXPORT(getresuid);
long sys_getresgid(uint32_t *r, uint32_t *e, uint32_t *s) SYS_EXPORT(getresgid);
long sys_setuid(uint32_t uid) SYS_EXPORT(setuid);
long sys_setgid(uint32_t gid) SYS_EXPORT(setgid);
long sys_setreuid(uint32_t r, uint32_t e) SYS_EXPORT(setreuid);
long sys_setregid(uint32_t r, uint32_t e) SYS_EXPORT(setregid);
long sys_setresuid(uint32_t r, uint32_t e, uint32_t s) SYS_EXPORT(setresuid);
long sys_setresgid(uint32_t r, uint32_t e, uint32_t s) SYS_EXPORT(setresgid);
long sys_setfsuid(uint32_t id) SYS_EXPORT(setfsuid);
long sys_setfsgid(uint32_t id) SYS_EXPORT(setfsgid);
long sys_getgroups(int size, uint32_t *list) SYS_EXPORT(getgroups);
long sys_setgroups(int size, const uint32_t *list) SYS_EXPORT(setgroups);
long sys_prlimit64(int pid, unsigned res, const struct rlimit_k *new_lim,
		   struct rlimit_k *old_lim) SYS_EXPORT(prlimit64);
long sys_getrlimit(unsigned res, struct rlimit_k *lim) SYS_EXPORT(getrlimit);
long sys_setrlimit(unsigned res, const struct rlimit_k *lim) SYS_EXPORT(setrlimit);
long sys_times(struct tms_k *buf) SYS_EXPORT(times);
long sys_getrusage(int who, struct rusage_k *ru) SYS_EXPORT(getrusage);
long sys_sysinfo(struct sysinfo_k *info) SYS_EXPORT(sysinfo);

/* proc/itimer.c: interval timers (SIGALRM, SIGVTALRM, SIGPROF) */
long sys_alarm(unsigned int seconds) SYS_EXPORT(alarm);
long sys_getitimer(int which, struct itimerval_k *value) SYS_EXPORT(getitimer);
long sys_setitimer(int which, const struct itimerval_k *value, struct itimerval_k *ovalue)
	SYS_EXPORT(setitimer);

/* proc/signal.c: signals (the HP app's and compat processes') */
long sys_kill(int pid, int sig) SYS_EXPORT(kill);
long sys_tkill(int tid, int sig) SYS_EXPORT(tkill);
long sys_tgkill(int tgid, int tid, int sig) SYS_EXPORT(tgkill);
long sys_rt_sigaction(int sig, const void *act, void *old, size_t setsize) SYS_EXPORT(rt_sigaction);
long sys_rt_sigprocmask(int how, const void *set, void *old, size_t setsize)
	SYS_EXPORT(rt_sigprocmask);
long sys_rt_sigreturn(void) SYS_EXPORT(rt_sigreturn);
long sys_rt_sigpending(void *set, size_t setsize) SYS_EXPORT(rt_sigpending);
long sys_rt_sigtimedwait(const void *set, void *info, const struct timespec_k *ts, size_t setsize)
	SYS_EXPORT(rt_sigtimedwait);
long sys_rt_sigqueueinfo(int tgid, int sig, const void *info) SYS_EXPORT(rt_sigqueueinfo);
long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, const void *info)
	SYS_EXPORT(rt_tgsigqueueinfo);
long sys_rt_sigsuspend(const void *mask, size_t setsize) SYS_EXPORT(rt_sigsuspend);
long sys_sigaltstack(const void *ss, void *old) SYS_EXPORT(sigaltstack);
long sys_pause(void) SYS_EXPORT(pause);
long sys_restart_syscall(void) SYS_EXPORT(restart_syscall);

/* proc/proc.c, compat/exec.c (execve): processes */
long sys_clone(unsigned long flags, unsigned long newsp, int *ptid, int *ctid, unsigned long tls)
	SYS_EXPORT(clone);
long sys_fork(void) SYS_EXPORT(fork);
long sys_vfork(void) SYS_EXPORT(vfork);
long sys_execve(const char *path, char *const argv[], char *const envp[]) SYS_EXPORT(execve);
long sys_wait4(int pid, int *wstatus, int options, void *rusage) SYS_EXPORT(wait4);
long sys_waitid(int idtype, int id, struct siginfo_k *info, int options, void *rusage)
	SYS_EXPORT(waitid);
long sys_setpgid(int pid, int pgid) SYS_EXPORT(setpgid);
long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
	SYS_EXPORT(prctl);
long sys_getpgrp(void) SYS_EXPORT(getpgrp);
long sys_setsid(void) SYS_EXPORT(setsid);
long sys_getpgid(int pid) SYS_EXPORT(getpgid);
long sys_getsid(int pid) SYS_EXPORT(getsid);

/* syscall/sys_time.c */
long sys_clock_gettime(int clk, struct timespec_k *ts) SYS_EXPORT(clock_gettime);
long sys_clock_getres(int clk, struct timespec_k *ts) SYS_EXPORT(clock_getres);
long sys_gettimeofday(void *tv, void *tz) SYS_EXPORT(gettimeofday);
long sys_time(long *t) SYS_EXPORT(time);
long sys_nanosleep(const struct timespec_k *req, struct timespec_k *rem) SYS_EXPORT(nanosleep);
long sys_clock_nanosleep(int clk, int flags, const struct timespec_k *req, struct timespec_k *rem)
	SYS_EXPORT(clock_nanosleep);

/* fs/poll.c, fs/epoll.c, fs/eventfd.c: readiness */
long sys_ppoll(struct pollfd_k *fds, unsigned long n, const struct timespec_k *ts,
	       const void *sigmask, size_t sigsetsize) SYS_EXPORT(ppoll);
long sys_select(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex, struct timeval_k *tv)
	SYS_EXPORT(select);
long sys_pselect6(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex,
		  const struct timespec_k *ts, const void *sig) SYS_EXPORT(pselect6);
long sys_epoll_create(int size) SYS_EXPORT(epoll_create);
long sys_epoll_create1(int flags) SYS_EXPORT(epoll_create1);
long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event_k *event) SYS_EXPORT(epoll_ctl);
long sys_epoll_wait(int epfd, struct epoll_event_k *events, int maxevents, int timeout)
	SYS_EXPORT(epoll_wait);
long sys_epoll_pwait(int epfd, struct epoll_event_k *events, int maxevents, int timeout,
		     const void *sigmask, size_t sigsetsize) SYS_EXPORT(epoll_pwait);
long sys_eventfd(unsigned initval) SYS_EXPORT(eventfd);
long sys_eventfd2(unsigned initval, int flags) SYS_EXPORT(eventfd2);

/* net/socket.c: BSD sockets (OPTIONAL in syscalls.def: linked only when called) */
struct msghdr_k;
struct mmsghdr_k;
long sys_socket(int domain, int type, int protocol) SYS_EXPORT(socket);
long sys_socketpair(int domain, int type, int protocol, int *sv) SYS_EXPORT(socketpair);
long sys_bind(int fd, const void *addr, int len) SYS_EXPORT(bind);
long sys_listen(int fd, int backlog) SYS_EXPORT(listen);
long sys_accept(int fd, void *addr, int *addrlen) SYS_EXPORT(accept);
long sys_accept4(int fd, void *addr, int *addrlen, int flags) SYS_EXPORT(accept4);
long sys_connect(int fd, const void *addr, int len) SYS_EXPORT(connect);
long sys_shutdown(int fd, int how) SYS_EXPORT(shutdown);
long sys_getsockname(int fd, void *addr, int *addrlen) SYS_EXPORT(getsockname);
long sys_getpeername(int fd, void *addr, int *addrlen) SYS_EXPORT(getpeername);
long sys_sendto(int fd, const void *buf, size_t len, int flags, const void *addr, int alen)
	SYS_EXPORT(sendto);
long sys_recvfrom(int fd, void *buf, size_t len, int flags, void *addr, int *alen)
	SYS_EXPORT(recvfrom);
long sys_sendmsg(int fd, const struct msghdr_k *msg, int flags) SYS_EXPORT(sendmsg);
long sys_recvmsg(int fd, struct msghdr_k *msg, int flags) SYS_EXPORT(recvmsg);
long sys_sendmmsg(int fd, struct mmsghdr_k *vec, unsigned vlen, int flags) SYS_EXPORT(sendmmsg);
long sys_recvmmsg(int fd, struct mmsghdr_k *vec, unsigned vlen, int flags,
		  struct timespec_k *timeout) SYS_EXPORT(recvmmsg);
long sys_setsockopt(int fd, int level, int name, const void *val, int len) SYS_EXPORT(setsockopt);
long sys_getsockopt(int fd, int level, int name, void *val, int *len) SYS_EXPORT(getsockopt);

/* dispatch.c */
long __jiny_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6) __export;
const char *syscall_name(long n);

/* User-pointer checks for the HP app (ring 0): the pointer must lie in the
 * image window or the kernel virtual areas and be mapped (uaccess.c). */
bool uaccess_ok(const void *p, size_t n, bool write);
bool uaccess_ok_app(const void *p, size_t n, bool write); /* the HP app's, whoever runs */

#endif
