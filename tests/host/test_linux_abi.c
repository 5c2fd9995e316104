/*
 * test_linux_abi.c - host checks of the kernel's Linux ABI header
 * (libjiny/abi/linux.h) against the host's own x86_64 headers: the size of
 * every structure and the offset and size of every field, and the value of
 * every constant, compared with glibc's <sys/socket.h>, <netinet/in.h>,
 * <sys/un.h>, <poll.h>, <sys/epoll.h>, <sys/stat.h>, <fcntl.h>,
 * <sys/resource.h>, <signal.h>, <sys/mman.h>... and, where glibc differs
 * from the kernel's ABI, the kernel's uapi headers (<asm/termbits.h> for
 * the 36-byte termios, <linux/futex.h>, <asm/prctl.h>). The few values no
 * header gives beside glibc's are written out, with where they come from.
 *
 * Every mismatch is reported by name (ours, the host's, both values) and
 * fails the case; test_checker_fails shows that a wrong offset, size or
 * value is caught.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <limits.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <elf.h>
#include <sched.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/icmp6.h>
#include <asm/termbits.h>
#include <asm/prctl.h>
#include <linux/futex.h>

#include "abi/linux.h"

static int mismatches;
static bool quiet; /* test_checker_fails: the mismatches are on purpose */

static void check(const char *what, long long ours, long long theirs)
{
	if (ours == theirs)
		return;
	if (!quiet)
		print_error("%s: ours %lld (%#llx), the host's %lld (%#llx)\n", what, ours,
		    (unsigned long long)ours, theirs, (unsigned long long)theirs);
	mismatches++;
}

/* Ends a case: fails it if any check before did not hold. */
static void no_mismatch(void)
{
	int n = mismatches;
	mismatches = 0;
	assert_int_equal(n, 0);
}

/* A constant: ours (NAME_K) against the host's NAME. */
#define VAL(name) check(#name, (long long)(name##_K), (long long)(name))
/* A constant against a known value no header gives beside glibc's. */
#define KNOWN(name, value) check(#name, (long long)(name##_K), (long long)(value))
/* A flag word: compared as 32 bits (glibc's enums may hold the top bit as negative). */
#define VAL32(name) check(#name, (long long)(uint32_t)(name##_K), (long long)(uint32_t)(name))
/* A structure's size, and one field's offset and size, theirs named as they name it. */
#define SIZE(ours, theirs) check("sizeof " #ours, (long long)sizeof(ours), (long long)sizeof(theirs))
#define FIELD(ours, of, theirs, tf)                                                   \
	do {                                                                          \
		check(#ours "." #of, (long long)offsetof(ours, of),                   \
		      (long long)offsetof(theirs, tf));                               \
		check("sizeof " #ours "." #of, (long long)sizeof(((ours *)0)->of),    \
		      (long long)sizeof(((theirs *)0)->tf));                          \
	} while (0)
#define SAME_FIELD(ours, theirs, f) FIELD(ours, f, theirs, f)

/* ---- the checker itself ---- */

struct wrong { /* struct timespec with a hole */
	long tv_sec;
	int hole;
	long tv_nsec;
};

static void test_checker_fails(void **state)
{
	quiet = true;
	SAME_FIELD(struct wrong, struct timespec, tv_sec);
	assert_int_equal(mismatches, 0);
	SAME_FIELD(struct wrong, struct timespec, tv_nsec); /* offset 16, not 8 */
	assert_int_equal(mismatches, 1);
	SIZE(struct wrong, struct timespec);
	assert_int_equal(mismatches, 2);
	FIELD(struct wrong, hole, struct timespec, tv_nsec); /* the offset holds, the size not */
	assert_int_equal(mismatches, 3);
	check("a value", 1, 2);
	assert_int_equal(mismatches, 4);
	mismatches = 0;
	quiet = false;
}

/* ---- abi/time.h ---- */

static void test_time(void **state)
{
	SIZE(struct timespec_k, struct timespec);
	SAME_FIELD(struct timespec_k, struct timespec, tv_sec);
	SAME_FIELD(struct timespec_k, struct timespec, tv_nsec);
	SIZE(struct timeval_k, struct timeval);
	SAME_FIELD(struct timeval_k, struct timeval, tv_sec);
	SAME_FIELD(struct timeval_k, struct timeval, tv_usec);
	SIZE(struct tms_k, struct tms);
	SAME_FIELD(struct tms_k, struct tms, tms_utime);
	SAME_FIELD(struct tms_k, struct tms, tms_stime);
	SAME_FIELD(struct tms_k, struct tms, tms_cutime);
	SAME_FIELD(struct tms_k, struct tms, tms_cstime);

	VAL(CLOCK_REALTIME);
	VAL(CLOCK_MONOTONIC);
	VAL(CLOCK_PROCESS_CPUTIME_ID);
	VAL(CLOCK_THREAD_CPUTIME_ID);
	VAL(CLOCK_MONOTONIC_RAW);
	VAL(CLOCK_REALTIME_COARSE);
	VAL(CLOCK_MONOTONIC_COARSE);
	VAL(CLOCK_BOOTTIME);
	VAL(TIMER_ABSTIME);
	check("USER_HZ", USER_HZ_K, sysconf(_SC_CLK_TCK)); /* the host kernel's USER_HZ */
	no_mismatch();
}

/* ---- abi/fs.h ---- */

static void test_fs_flags(void **state)
{
	VAL(O_ACCMODE);
	VAL(O_RDONLY);
	VAL(O_WRONLY);
	VAL(O_RDWR);
	VAL(O_CREAT);
	VAL(O_EXCL);
	VAL(O_NOCTTY);
	VAL(O_TRUNC);
	VAL(O_APPEND);
	VAL(O_NONBLOCK);
	VAL(O_DSYNC);
	VAL(O_ASYNC);
	VAL(O_DIRECT);
	KNOWN(O_LARGEFILE, 0100000); /* asm-generic/fcntl.h; glibc's is 0 on 64-bit */
	VAL(O_DIRECTORY);
	VAL(O_NOFOLLOW);
	VAL(O_NOATIME);
	VAL(O_CLOEXEC);
	VAL(O_PATH);
	VAL(AT_FDCWD);
	VAL(AT_SYMLINK_NOFOLLOW);
	VAL(AT_REMOVEDIR);
	VAL(AT_EACCESS);
	VAL(AT_SYMLINK_FOLLOW);
	VAL(AT_NO_AUTOMOUNT);
	VAL(AT_EMPTY_PATH);
	VAL(AT_STATX_SYNC_TYPE);
	VAL(R_OK);
	VAL(W_OK);
	VAL(X_OK);
	VAL(S_IFMT);
	VAL(S_IFSOCK);
	VAL(S_IFLNK);
	VAL(S_IFREG);
	VAL(S_IFBLK);
	VAL(S_IFDIR);
	VAL(S_IFCHR);
	VAL(S_IFIFO);
	VAL(S_ISUID);
	VAL(S_ISGID);
	VAL(S_ISVTX);
	VAL(DT_UNKNOWN);
	VAL(DT_FIFO);
	VAL(DT_CHR);
	VAL(DT_DIR);
	VAL(DT_BLK);
	VAL(DT_REG);
	VAL(DT_LNK);
	VAL(DT_SOCK);
	VAL(F_DUPFD);
	VAL(F_GETFD);
	VAL(F_SETFD);
	VAL(F_GETFL);
	VAL(F_SETFL);
	VAL(F_GETLK);
	VAL(F_SETLK);
	VAL(F_SETLKW);
	VAL(F_SETOWN);
	VAL(F_GETOWN);
	VAL(F_OFD_GETLK);
	VAL(F_OFD_SETLK);
	VAL(F_OFD_SETLKW);
	VAL(F_DUPFD_CLOEXEC);
	VAL(F_SETPIPE_SZ);
	VAL(F_GETPIPE_SZ);
	VAL(FD_CLOEXEC);
	VAL(F_RDLCK);
	VAL(F_WRLCK);
	VAL(F_UNLCK);
	VAL(LOCK_SH);
	VAL(LOCK_EX);
	VAL(LOCK_NB);
	VAL(LOCK_UN);
	VAL(SEEK_SET);
	VAL(SEEK_CUR);
	VAL(SEEK_END);
	VAL(SEEK_DATA);
	VAL(SEEK_HOLE);
	VAL(RENAME_NOREPLACE);
	VAL(RENAME_EXCHANGE);
	VAL(MS_RDONLY);
	VAL(MS_NOSUID);
	VAL(MS_NODEV);
	VAL(MS_NOEXEC);
	VAL(MS_REMOUNT);
	VAL(MS_BIND);
	VAL(MS_MOVE);
	VAL(MS_SILENT);
	VAL(MS_MGC_VAL);
	VAL(UTIME_NOW);
	VAL(UTIME_OMIT);
	VAL(STATX_BASIC_STATS);
	VAL(STATX__RESERVED);
	VAL(IOV_MAX);
	VAL(FIONREAD);
	VAL(FIONBIO);
	VAL(FIONCLEX);
	VAL(FIOCLEX);
	VAL(PIPE_BUF);
	no_mismatch();
}

static void test_fs_structs(void **state)
{
	/* glibc's struct stat is the kernel's on x86_64; its times are timespecs. */
	SIZE(struct stat_k, struct stat);
	SAME_FIELD(struct stat_k, struct stat, st_dev);
	SAME_FIELD(struct stat_k, struct stat, st_ino);
	SAME_FIELD(struct stat_k, struct stat, st_nlink);
	SAME_FIELD(struct stat_k, struct stat, st_mode);
	SAME_FIELD(struct stat_k, struct stat, st_uid);
	SAME_FIELD(struct stat_k, struct stat, st_gid);
	SAME_FIELD(struct stat_k, struct stat, st_rdev);
	SAME_FIELD(struct stat_k, struct stat, st_size);
	SAME_FIELD(struct stat_k, struct stat, st_blksize);
	SAME_FIELD(struct stat_k, struct stat, st_blocks);
	FIELD(struct stat_k, st_atime_sec, struct stat, st_atim.tv_sec);
	FIELD(struct stat_k, st_atime_nsec, struct stat, st_atim.tv_nsec);
	FIELD(struct stat_k, st_mtime_sec, struct stat, st_mtim.tv_sec);
	FIELD(struct stat_k, st_mtime_nsec, struct stat, st_mtim.tv_nsec);
	FIELD(struct stat_k, st_ctime_sec, struct stat, st_ctim.tv_sec);
	FIELD(struct stat_k, st_ctime_nsec, struct stat, st_ctim.tv_nsec);

	SIZE(struct statx_timestamp_k, struct statx_timestamp);
	SAME_FIELD(struct statx_timestamp_k, struct statx_timestamp, tv_sec);
	SAME_FIELD(struct statx_timestamp_k, struct statx_timestamp, tv_nsec);
	SIZE(struct statx_k, struct statx);
	SAME_FIELD(struct statx_k, struct statx, stx_mask);
	SAME_FIELD(struct statx_k, struct statx, stx_blksize);
	SAME_FIELD(struct statx_k, struct statx, stx_attributes);
	SAME_FIELD(struct statx_k, struct statx, stx_nlink);
	SAME_FIELD(struct statx_k, struct statx, stx_uid);
	SAME_FIELD(struct statx_k, struct statx, stx_gid);
	SAME_FIELD(struct statx_k, struct statx, stx_mode);
	SAME_FIELD(struct statx_k, struct statx, stx_ino);
	SAME_FIELD(struct statx_k, struct statx, stx_size);
	SAME_FIELD(struct statx_k, struct statx, stx_blocks);
	SAME_FIELD(struct statx_k, struct statx, stx_attributes_mask);
	SAME_FIELD(struct statx_k, struct statx, stx_atime);
	SAME_FIELD(struct statx_k, struct statx, stx_btime);
	SAME_FIELD(struct statx_k, struct statx, stx_ctime);
	SAME_FIELD(struct statx_k, struct statx, stx_mtime);
	SAME_FIELD(struct statx_k, struct statx, stx_rdev_major);
	SAME_FIELD(struct statx_k, struct statx, stx_rdev_minor);
	SAME_FIELD(struct statx_k, struct statx, stx_dev_major);
	SAME_FIELD(struct statx_k, struct statx, stx_dev_minor);

	SIZE(struct statfs_k, struct statfs);
	SAME_FIELD(struct statfs_k, struct statfs, f_type);
	SAME_FIELD(struct statfs_k, struct statfs, f_bsize);
	SAME_FIELD(struct statfs_k, struct statfs, f_blocks);
	SAME_FIELD(struct statfs_k, struct statfs, f_bfree);
	SAME_FIELD(struct statfs_k, struct statfs, f_bavail);
	SAME_FIELD(struct statfs_k, struct statfs, f_files);
	SAME_FIELD(struct statfs_k, struct statfs, f_ffree);
	SAME_FIELD(struct statfs_k, struct statfs, f_fsid);
	SAME_FIELD(struct statfs_k, struct statfs, f_namelen);
	SAME_FIELD(struct statfs_k, struct statfs, f_frsize);
	SAME_FIELD(struct statfs_k, struct statfs, f_flags);
	SAME_FIELD(struct statfs_k, struct statfs, f_spare);

	/* glibc's struct dirent64 is getdents64's record with a fixed name size. */
	SAME_FIELD(struct linux_dirent64_k, struct dirent64, d_ino);
	SAME_FIELD(struct linux_dirent64_k, struct dirent64, d_off);
	SAME_FIELD(struct linux_dirent64_k, struct dirent64, d_reclen);
	SAME_FIELD(struct linux_dirent64_k, struct dirent64, d_type);
	check("linux_dirent64.d_name", offsetof(struct linux_dirent64_k, d_name),
	      offsetof(struct dirent64, d_name));
	/* getdents's struct linux_dirent is in no header (fs/readdir.c): */
	check("linux_dirent.d_off", offsetof(struct linux_dirent_k, d_off), 8);
	check("linux_dirent.d_reclen", offsetof(struct linux_dirent_k, d_reclen), 16);
	check("linux_dirent.d_name", offsetof(struct linux_dirent_k, d_name), 18);

	SIZE(struct flock_k, struct flock);
	SAME_FIELD(struct flock_k, struct flock, l_type);
	SAME_FIELD(struct flock_k, struct flock, l_whence);
	SAME_FIELD(struct flock_k, struct flock, l_start);
	SAME_FIELD(struct flock_k, struct flock, l_len);
	SAME_FIELD(struct flock_k, struct flock, l_pid);

	SIZE(struct iovec_k, struct iovec);
	SAME_FIELD(struct iovec_k, struct iovec, iov_base);
	SAME_FIELD(struct iovec_k, struct iovec, iov_len);
	no_mismatch();
}

/* ---- abi/poll.h ---- */

static void test_poll(void **state)
{
	VAL(POLLIN);
	VAL(POLLPRI);
	VAL(POLLOUT);
	VAL(POLLERR);
	VAL(POLLHUP);
	VAL(POLLNVAL);
	VAL(POLLRDNORM);
	VAL(POLLRDBAND);
	VAL(POLLWRNORM);
	VAL(POLLWRBAND);
	VAL(POLLRDHUP);
	SIZE(struct pollfd_k, struct pollfd);
	SAME_FIELD(struct pollfd_k, struct pollfd, fd);
	SAME_FIELD(struct pollfd_k, struct pollfd, events);
	SAME_FIELD(struct pollfd_k, struct pollfd, revents);

	/* the epoll events are the poll bits */
	check("EPOLLIN", POLLIN_K, EPOLLIN);
	check("EPOLLOUT", POLLOUT_K, EPOLLOUT);
	check("EPOLLPRI", POLLPRI_K, EPOLLPRI);
	check("EPOLLERR", POLLERR_K, EPOLLERR);
	check("EPOLLHUP", POLLHUP_K, EPOLLHUP);
	check("EPOLLRDHUP", POLLRDHUP_K, EPOLLRDHUP);
	VAL32(EPOLLEXCLUSIVE);
	VAL32(EPOLLWAKEUP);
	VAL32(EPOLLONESHOT);
	VAL32(EPOLLET);
	VAL(EPOLL_CLOEXEC);
	VAL(EPOLL_CTL_ADD);
	VAL(EPOLL_CTL_DEL);
	VAL(EPOLL_CTL_MOD);
	/* packed on x86_64: 12 bytes, data at 4 */
	SIZE(struct epoll_event_k, struct epoll_event);
	SAME_FIELD(struct epoll_event_k, struct epoll_event, events);
	SAME_FIELD(struct epoll_event_k, struct epoll_event, data);
	check("sizeof epoll_event", sizeof(struct epoll_event_k), 12);

	VAL(EFD_SEMAPHORE);
	VAL(EFD_CLOEXEC);
	VAL(EFD_NONBLOCK);
	no_mismatch();
}

/* ---- abi/tty.h: the kernel's termios (asm/termbits.h), not glibc's ---- */

static void test_tty(void **state)
{
	VAL(NCCS);
	SIZE(struct termios_k, struct termios);
	check("sizeof termios", sizeof(struct termios_k), 36);
	SAME_FIELD(struct termios_k, struct termios, c_iflag);
	SAME_FIELD(struct termios_k, struct termios, c_oflag);
	SAME_FIELD(struct termios_k, struct termios, c_cflag);
	SAME_FIELD(struct termios_k, struct termios, c_lflag);
	SAME_FIELD(struct termios_k, struct termios, c_line);
	SAME_FIELD(struct termios_k, struct termios, c_cc);
	VAL(VINTR);
	VAL(VQUIT);
	VAL(VERASE);
	VAL(VKILL);
	VAL(VEOF);
	VAL(VTIME);
	VAL(VMIN);
	VAL(VSWTC);
	VAL(VSTART);
	VAL(VSTOP);
	VAL(VSUSP);
	VAL(VEOL);
	VAL(VREPRINT);
	VAL(VDISCARD);
	VAL(VWERASE);
	VAL(VLNEXT);
	VAL(VEOL2);
	VAL(ISTRIP);
	VAL(INLCR);
	VAL(IGNCR);
	VAL(ICRNL);
	VAL(IXON);
	VAL(IMAXBEL);
	VAL(IUTF8);
	VAL(OPOST);
	VAL(ONLCR);
	VAL(OCRNL);
	VAL(ONOCR);
	VAL(ONLRET);
	VAL(B38400);
	VAL(CS8);
	VAL(CREAD);
	VAL(HUPCL);
	VAL(ISIG);
	VAL(ICANON);
	VAL(ECHO);
	VAL(ECHOE);
	VAL(ECHOK);
	VAL(ECHONL);
	VAL(NOFLSH);
	VAL(ECHOCTL);
	VAL(ECHOKE);
	VAL(IEXTEN);

	SIZE(struct winsize_k, struct winsize);
	SAME_FIELD(struct winsize_k, struct winsize, ws_row);
	SAME_FIELD(struct winsize_k, struct winsize, ws_col);
	SAME_FIELD(struct winsize_k, struct winsize, ws_xpixel);
	SAME_FIELD(struct winsize_k, struct winsize, ws_ypixel);
	VAL(TCGETS);
	VAL(TCSETS);
	VAL(TCSETSW);
	VAL(TCSETSF);
	VAL(TCSBRK);
	VAL(TCXONC);
	VAL(TCFLSH);
	VAL(TIOCSCTTY);
	VAL(TIOCGPGRP);
	VAL(TIOCSPGRP);
	VAL(TIOCOUTQ);
	VAL(TIOCGWINSZ);
	VAL(TIOCSWINSZ);
	VAL(TIOCNOTTY);
	VAL(TCSBRKP);
	VAL(TIOCGSID);
	VAL(TCIFLUSH);
	VAL(TCOFLUSH);
	VAL(TCIOFLUSH);
	no_mismatch();
}

/* ---- abi/signal.h ---- */

static void test_signal_numbers(void **state)
{
	check("NSIG", NSIG_K, __SIGRTMAX);
	VAL(SIGHUP);
	VAL(SIGINT);
	VAL(SIGQUIT);
	VAL(SIGILL);
	VAL(SIGTRAP);
	VAL(SIGABRT);
	VAL(SIGBUS);
	VAL(SIGFPE);
	VAL(SIGKILL);
	VAL(SIGUSR1);
	VAL(SIGSEGV);
	VAL(SIGUSR2);
	VAL(SIGPIPE);
	VAL(SIGALRM);
	VAL(SIGTERM);
	VAL(SIGSTKFLT);
	VAL(SIGCHLD);
	VAL(SIGCONT);
	VAL(SIGSTOP);
	VAL(SIGTSTP);
	VAL(SIGTTIN);
	VAL(SIGTTOU);
	VAL(SIGURG);
	VAL(SIGXCPU);
	VAL(SIGXFSZ);
	VAL(SIGVTALRM);
	VAL(SIGPROF);
	VAL(SIGWINCH);
	VAL(SIGIO);
	VAL(SIGPWR);
	VAL(SIGSYS);
	check("SIGRTMIN", SIGRTMIN_K, __SIGRTMIN);
	check("SIG_DFL", SIG_DFL_K, (long long)(uintptr_t)SIG_DFL);
	check("SIG_IGN", SIG_IGN_K, (long long)(uintptr_t)SIG_IGN);
	VAL(SA_NOCLDSTOP);
	VAL(SA_NOCLDWAIT);
	VAL(SA_SIGINFO);
	KNOWN(SA_RESTORER, 0x04000000); /* uapi asm/signal.h; glibc keeps it to itself */
	VAL(SA_ONSTACK);
	VAL(SA_RESTART);
	VAL(SA_NODEFER);
	VAL32(SA_RESETHAND);
	VAL(SIG_BLOCK);
	VAL(SIG_UNBLOCK);
	VAL(SIG_SETMASK);
	VAL(SI_USER);
	VAL(SI_KERNEL);
	VAL(SI_TKILL);
	VAL(SEGV_MAPERR);
	VAL(SEGV_ACCERR);
	VAL(BUS_ADRERR);
	VAL(FPE_INTDIV);
	VAL(ILL_ILLOPN);
	VAL(CLD_EXITED);
	VAL(CLD_KILLED);
	VAL(CLD_DUMPED);
	VAL(CLD_STOPPED);
	VAL(CLD_CONTINUED);
	VAL(SS_ONSTACK);
	VAL(SS_DISABLE);
	KNOWN(SS_AUTODISARM, 1U << 31); /* uapi linux/signal.h */
	/* glibc's MINSIGSTKSZ is sysconf(_SC_MINSIGSTKSZ) under _GNU_SOURCE: */
	KNOWN(MINSIGSTKSZ, 2048); /* uapi asm/signal.h */
	/* the FPU image of the frame (glibc's bits/sigcontext.h) */
	VAL(FP_XSTATE_MAGIC1);
	VAL(FP_XSTATE_MAGIC2);
	check("FXSAVE_SIZE", FXSAVE_SIZE_K, sizeof(struct _libc_fpstate));
	/* struct _fpx_sw_bytes is the last 48 bytes of FXSAVE's software area */
	check("FPX_SW_OFFSET", FPX_SW_OFFSET_K,
	      sizeof(struct _fpstate) - sizeof(struct _fpx_sw_bytes));
	/* uapi asm/ucontext.h, which would redefine glibc's struct sigcontext: */
	KNOWN(UC_FP_XSTATE, 0x1);
	KNOWN(UC_SIGCONTEXT_SS, 0x2);
	KNOWN(UC_STRICT_RESTORE_SS, 0x4);
	no_mismatch();
}

static void test_signal_structs(void **state)
{
	/* The kernel's struct sigaction (uapi asm/signal.h) is not glibc's,
	 * whose mask is 128 bytes and comes second: */
	check("sizeof sigaction", sizeof(struct sigaction_k), 32);
	check("sigaction.handler", offsetof(struct sigaction_k, handler), 0);
	check("sigaction.flags", offsetof(struct sigaction_k, flags), 8);
	check("sigaction.restorer", offsetof(struct sigaction_k, restorer), 16);
	check("sigaction.mask", offsetof(struct sigaction_k, mask), 24);

	SIZE(struct siginfo_k, siginfo_t);
	SAME_FIELD(struct siginfo_k, siginfo_t, si_signo);
	SAME_FIELD(struct siginfo_k, siginfo_t, si_errno);
	SAME_FIELD(struct siginfo_k, siginfo_t, si_code);
	FIELD(struct siginfo_k, u.kill.pid, siginfo_t, si_pid);
	FIELD(struct siginfo_k, u.kill.uid, siginfo_t, si_uid);
	FIELD(struct siginfo_k, u.chld.pid, siginfo_t, si_pid);
	FIELD(struct siginfo_k, u.chld.status, siginfo_t, si_status);
	FIELD(struct siginfo_k, u.chld.utime, siginfo_t, si_utime);
	FIELD(struct siginfo_k, u.chld.stime, siginfo_t, si_stime);
	FIELD(struct siginfo_k, u.fault.addr, siginfo_t, si_addr);
	FIELD(struct siginfo_k, u.rt.pid, siginfo_t, si_pid);
	FIELD(struct siginfo_k, u.rt.value, siginfo_t, si_value);

	SIZE(struct stack_k, stack_t);
	SAME_FIELD(struct stack_k, stack_t, ss_sp);
	SAME_FIELD(struct stack_k, stack_t, ss_flags);
	SAME_FIELD(struct stack_k, stack_t, ss_size);

	/* The frame: glibc's struct sigcontext is the kernel's (its ss is __pad0),
	 * its ucontext_t starts as the kernel's, up to a larger sigmask. */
	SIZE(struct sigcontext_k, struct sigcontext);
	static const struct { const char *name; size_t ours, theirs; } sc[] = {
#define SC(f) { #f, offsetof(struct sigcontext_k, f), offsetof(struct sigcontext, f) }
		SC(r8), SC(r9), SC(r10), SC(r11), SC(r12), SC(r13), SC(r14), SC(r15),
		SC(rdi), SC(rsi), SC(rbp), SC(rbx), SC(rdx), SC(rax), SC(rcx), SC(rsp),
		SC(rip), SC(eflags), SC(cs), SC(gs), SC(fs), SC(err), SC(trapno),
		SC(oldmask), SC(cr2), SC(fpstate),
#undef SC
		{ "ss", offsetof(struct sigcontext_k, ss), offsetof(struct sigcontext, __pad0) },
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		check(sc[i].name, sc[i].ours, sc[i].theirs);
	SAME_FIELD(struct ucontext_k, ucontext_t, uc_flags);
	SAME_FIELD(struct ucontext_k, ucontext_t, uc_link);
	SAME_FIELD(struct ucontext_k, ucontext_t, uc_stack);
	SAME_FIELD(struct ucontext_k, ucontext_t, uc_mcontext);
	check("ucontext.uc_sigmask", offsetof(struct ucontext_k, uc_sigmask),
	      offsetof(ucontext_t, uc_sigmask));
	/* rt_sigframe (arch/x86): the return address, the ucontext, the siginfo */
	check("rt_sigframe.uc", offsetof(struct rt_sigframe_k, uc), 8);
	check("rt_sigframe.info", offsetof(struct rt_sigframe_k, info),
	      8 + offsetof(ucontext_t, uc_sigmask) + 8);

	SIZE(struct fpx_sw_bytes_k, struct _fpx_sw_bytes);
	SAME_FIELD(struct fpx_sw_bytes_k, struct _fpx_sw_bytes, magic1);
	SAME_FIELD(struct fpx_sw_bytes_k, struct _fpx_sw_bytes, extended_size);
	FIELD(struct fpx_sw_bytes_k, xfeatures, struct _fpx_sw_bytes, xstate_bv);
	SAME_FIELD(struct fpx_sw_bytes_k, struct _fpx_sw_bytes, xstate_size);
	no_mismatch();
}

/* ---- abi/process.h ---- */

static void test_process_flags(void **state)
{
	VAL(CSIGNAL);
	VAL(CLONE_VM);
	VAL(CLONE_FS);
	VAL(CLONE_FILES);
	VAL(CLONE_SIGHAND);
	VAL(CLONE_PIDFD);
	VAL(CLONE_VFORK);
	VAL(CLONE_PARENT);
	VAL(CLONE_THREAD);
	VAL(CLONE_NEWNS);
	VAL(CLONE_SYSVSEM);
	VAL(CLONE_SETTLS);
	VAL(CLONE_PARENT_SETTID);
	VAL(CLONE_CHILD_CLEARTID);
	VAL(CLONE_DETACHED);
	VAL(CLONE_CHILD_SETTID);
	VAL(CLONE_NEWUSER);
	VAL(CLONE_NEWPID);
	VAL(WNOHANG);
	VAL(WUNTRACED);
	VAL(WEXITED);
	VAL(WCONTINUED);
	VAL(WNOWAIT);
	check("__WNOTHREAD", WNOTHREAD_K, __WNOTHREAD);
	check("__WALL", WALL_K, __WALL);
	check("__WCLONE", WCLONE_K, __WCLONE);
	VAL(P_ALL);
	VAL(P_PID);
	VAL(P_PGID);
	VAL(FUTEX_WAIT);
	VAL(FUTEX_WAKE);
	VAL(FUTEX_REQUEUE);
	VAL(FUTEX_CMP_REQUEUE);
	VAL(FUTEX_WAIT_BITSET);
	VAL(FUTEX_WAKE_BITSET);
	VAL(FUTEX_PRIVATE_FLAG);
	VAL(FUTEX_CLOCK_REALTIME);
	VAL(RLIM_INFINITY);
	VAL(RLIMIT_CPU);
	VAL(RLIMIT_FSIZE);
	VAL(RLIMIT_DATA);
	VAL(RLIMIT_STACK);
	VAL(RLIMIT_CORE);
	VAL(RLIMIT_RSS);
	VAL(RLIMIT_NPROC);
	VAL(RLIMIT_NOFILE);
	VAL(RLIMIT_MEMLOCK);
	VAL(RLIMIT_AS);
	VAL(RLIMIT_LOCKS);
	VAL(RLIMIT_SIGPENDING);
	VAL(RLIMIT_MSGQUEUE);
	VAL(RLIMIT_NICE);
	VAL(RLIMIT_RTPRIO);
	VAL(RLIMIT_RTTIME);
	VAL(RLIM_NLIMITS);
	VAL(RUSAGE_SELF);
	VAL(RUSAGE_CHILDREN);
	VAL(RUSAGE_THREAD);
	VAL(PR_SET_PDEATHSIG);
	VAL(PR_GET_PDEATHSIG);
	VAL(PR_GET_DUMPABLE);
	VAL(PR_SET_DUMPABLE);
	VAL(PR_SET_NAME);
	VAL(PR_GET_NAME);
	VAL(PR_SET_NO_NEW_PRIVS);
	VAL(PR_GET_NO_NEW_PRIVS);
	VAL(ARCH_SET_GS);
	VAL(ARCH_SET_FS);
	VAL(ARCH_GET_FS);
	VAL(ARCH_GET_GS);
	VAL(GRND_NONBLOCK);
	VAL(GRND_RANDOM);
	VAL(GRND_INSECURE);
	VAL(NGROUPS_MAX);
	VAL(AT_NULL);
	VAL(AT_PHDR);
	VAL(AT_PHENT);
	VAL(AT_PHNUM);
	VAL(AT_PAGESZ);
	VAL(AT_BASE);
	VAL(AT_FLAGS);
	VAL(AT_ENTRY);
	VAL(AT_UID);
	VAL(AT_EUID);
	VAL(AT_GID);
	VAL(AT_EGID);
	VAL(AT_PLATFORM);
	VAL(AT_HWCAP);
	VAL(AT_CLKTCK);
	VAL(AT_SECURE);
	VAL(AT_RANDOM);
	VAL(AT_HWCAP2);
	VAL(AT_EXECFN);
	no_mismatch();
}

static void test_process_structs(void **state)
{
	SIZE(struct rlimit_k, struct rlimit);
	SAME_FIELD(struct rlimit_k, struct rlimit, rlim_cur);
	SAME_FIELD(struct rlimit_k, struct rlimit, rlim_max);

	SIZE(struct rusage_k, struct rusage);
	SAME_FIELD(struct rusage_k, struct rusage, ru_utime);
	SAME_FIELD(struct rusage_k, struct rusage, ru_stime);
	SAME_FIELD(struct rusage_k, struct rusage, ru_maxrss);
	SAME_FIELD(struct rusage_k, struct rusage, ru_ixrss);
	SAME_FIELD(struct rusage_k, struct rusage, ru_idrss);
	SAME_FIELD(struct rusage_k, struct rusage, ru_isrss);
	SAME_FIELD(struct rusage_k, struct rusage, ru_minflt);
	SAME_FIELD(struct rusage_k, struct rusage, ru_majflt);
	SAME_FIELD(struct rusage_k, struct rusage, ru_nswap);
	SAME_FIELD(struct rusage_k, struct rusage, ru_inblock);
	SAME_FIELD(struct rusage_k, struct rusage, ru_oublock);
	SAME_FIELD(struct rusage_k, struct rusage, ru_msgsnd);
	SAME_FIELD(struct rusage_k, struct rusage, ru_msgrcv);
	SAME_FIELD(struct rusage_k, struct rusage, ru_nsignals);
	SAME_FIELD(struct rusage_k, struct rusage, ru_nvcsw);
	SAME_FIELD(struct rusage_k, struct rusage, ru_nivcsw);

	SIZE(struct sysinfo_k, struct sysinfo);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, uptime);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, loads);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, totalram);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, freeram);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, sharedram);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, bufferram);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, totalswap);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, freeswap);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, procs);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, pad);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, totalhigh);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, freehigh);
	SAME_FIELD(struct sysinfo_k, struct sysinfo, mem_unit);
	check("sysinfo._f", offsetof(struct sysinfo_k, _f), offsetof(struct sysinfo, _f));

	SIZE(struct utsname_k, struct utsname);
	SAME_FIELD(struct utsname_k, struct utsname, sysname);
	SAME_FIELD(struct utsname_k, struct utsname, nodename);
	SAME_FIELD(struct utsname_k, struct utsname, release);
	SAME_FIELD(struct utsname_k, struct utsname, version);
	SAME_FIELD(struct utsname_k, struct utsname, machine);
	SAME_FIELD(struct utsname_k, struct utsname, domainname);
	no_mismatch();
}

/* ---- abi/mman.h ---- */

static void test_mman(void **state)
{
	VAL(PROT_READ);
	VAL(PROT_WRITE);
	VAL(PROT_EXEC);
	VAL(PROT_GROWSDOWN);
	VAL(PROT_GROWSUP);
	VAL(MAP_SHARED);
	VAL(MAP_PRIVATE);
	VAL(MAP_SHARED_VALIDATE);
	VAL(MAP_TYPE);
	VAL(MAP_FIXED);
	VAL(MAP_ANONYMOUS);
	VAL(MAP_GROWSDOWN);
	VAL(MAP_POPULATE);
	VAL(MAP_FIXED_NOREPLACE);
	VAL(MREMAP_MAYMOVE);
	VAL(MREMAP_FIXED);
	VAL(MADV_DONTNEED);
	VAL(MADV_FREE);
	no_mismatch();
}

/* ---- abi/socket.h ---- */

static void test_socket_constants(void **state)
{
	VAL(AF_UNSPEC);
	VAL(AF_UNIX);
	VAL(AF_INET);
	VAL(AF_INET6);
	VAL(AF_NETLINK);
	VAL(AF_PACKET);
	VAL(SOCK_STREAM);
	VAL(SOCK_DGRAM);
	VAL(SOCK_RAW);
	VAL(SOCK_SEQPACKET);
	VAL(SOCK_NONBLOCK);
	VAL(SOCK_CLOEXEC);
	KNOWN(SOCK_TYPE_MASK, 0xf); /* linux/net.h */
	VAL(IPPROTO_IP);
	VAL(IPPROTO_ICMP);
	VAL(IPPROTO_TCP);
	VAL(IPPROTO_UDP);
	VAL(IPPROTO_IPV6);
	VAL(IPPROTO_ICMPV6);
	VAL(IPPROTO_RAW);
	VAL(SOL_SOCKET);
	VAL(SOL_IP);
	VAL(SOL_TCP);
	check("SOL_UDP", SOL_UDP_K, IPPROTO_UDP); /* linux/udp.h: the protocol number */
	VAL(SOL_IPV6);
	VAL(SOL_ICMPV6);
	VAL(SOL_RAW);
	VAL(SO_DEBUG);
	VAL(SO_REUSEADDR);
	VAL(SO_TYPE);
	VAL(SO_ERROR);
	VAL(SO_DONTROUTE);
	VAL(SO_BROADCAST);
	VAL(SO_SNDBUF);
	VAL(SO_RCVBUF);
	VAL(SO_KEEPALIVE);
	VAL(SO_OOBINLINE);
	VAL(SO_PRIORITY);
	VAL(SO_LINGER);
	VAL(SO_REUSEPORT);
	VAL(SO_PASSCRED);
	VAL(SO_PEERCRED);
	VAL(SO_RCVLOWAT);
	VAL(SO_SNDLOWAT);
	VAL(SO_RCVTIMEO);
	VAL(SO_SNDTIMEO);
	VAL(SO_ACCEPTCONN);
	VAL(SO_PROTOCOL);
	VAL(SO_DOMAIN);
	VAL(IP_TOS);
	VAL(IP_TTL);
	VAL(IP_HDRINCL);
	VAL(IP_RECVTTL);
	VAL(IPV6_CHECKSUM);
	VAL(IPV6_2292HOPLIMIT);
	VAL(IPV6_UNICAST_HOPS);
	VAL(IPV6_V6ONLY);
	VAL(IPV6_RECVHOPLIMIT);
	VAL(IPV6_HOPLIMIT);
	KNOWN(ICMP_FILTER, 1); /* linux/icmp.h, which clashes with glibc's netinet headers */
	VAL(ICMP6_FILTER);
	VAL(TCP_NODELAY);
	VAL(TCP_MAXSEG);
	VAL(TCP_KEEPIDLE);
	VAL(TCP_KEEPINTVL);
	VAL(TCP_KEEPCNT);
	VAL(MSG_OOB);
	VAL(MSG_PEEK);
	VAL(MSG_DONTROUTE);
	VAL(MSG_CTRUNC);
	VAL(MSG_TRUNC);
	VAL(MSG_DONTWAIT);
	VAL(MSG_EOR);
	VAL(MSG_WAITALL);
	VAL(MSG_CONFIRM);
	VAL(MSG_ERRQUEUE);
	VAL(MSG_NOSIGNAL);
	VAL(MSG_MORE);
	VAL(MSG_WAITFORONE);
	VAL(MSG_CMSG_CLOEXEC);
	VAL(SHUT_RD);
	VAL(SHUT_WR);
	VAL(SHUT_RDWR);
	VAL(SOMAXCONN);
	VAL(INADDR_ANY);
	VAL(INADDR_BROADCAST);
	VAL(INADDR_LOOPBACK);
	VAL(SCM_RIGHTS);
	VAL(SCM_CREDENTIALS);
	check("UNIX_PATH_MAX", UNIX_PATH_MAX_K, sizeof(((struct sockaddr_un *)0)->sun_path));
	for (size_t len = 0; len < 40; len++) {
		check("CMSG_LEN", CMSG_LEN_K(len), CMSG_LEN(len));
		check("CMSG_SPACE", CMSG_SPACE_K(len), CMSG_SPACE(len));
	}
	no_mismatch();
}

static void test_socket_structs(void **state)
{
	SIZE(struct sockaddr_k, struct sockaddr);
	SAME_FIELD(struct sockaddr_k, struct sockaddr, sa_family);
	SAME_FIELD(struct sockaddr_k, struct sockaddr, sa_data);
	SIZE(struct sockaddr_storage_k, struct sockaddr_storage);
	SAME_FIELD(struct sockaddr_storage_k, struct sockaddr_storage, ss_family);
	check("alignof sockaddr_storage", _Alignof(struct sockaddr_storage_k),
	      _Alignof(struct sockaddr_storage));

	SIZE(struct in_addr_k, struct in_addr);
	SAME_FIELD(struct in_addr_k, struct in_addr, s_addr);
	SIZE(struct sockaddr_in_k, struct sockaddr_in);
	SAME_FIELD(struct sockaddr_in_k, struct sockaddr_in, sin_family);
	SAME_FIELD(struct sockaddr_in_k, struct sockaddr_in, sin_port);
	SAME_FIELD(struct sockaddr_in_k, struct sockaddr_in, sin_addr);
	SAME_FIELD(struct sockaddr_in_k, struct sockaddr_in, sin_zero);

	SIZE(struct in6_addr_k, struct in6_addr);
	FIELD(struct in6_addr_k, in6_u.u6_addr8, struct in6_addr, s6_addr);
	FIELD(struct in6_addr_k, in6_u.u6_addr16, struct in6_addr, s6_addr16);
	FIELD(struct in6_addr_k, in6_u.u6_addr32, struct in6_addr, s6_addr32);
	SIZE(struct sockaddr_in6_k, struct sockaddr_in6);
	SAME_FIELD(struct sockaddr_in6_k, struct sockaddr_in6, sin6_family);
	SAME_FIELD(struct sockaddr_in6_k, struct sockaddr_in6, sin6_port);
	SAME_FIELD(struct sockaddr_in6_k, struct sockaddr_in6, sin6_flowinfo);
	SAME_FIELD(struct sockaddr_in6_k, struct sockaddr_in6, sin6_addr);
	SAME_FIELD(struct sockaddr_in6_k, struct sockaddr_in6, sin6_scope_id);

	SIZE(struct sockaddr_un_k, struct sockaddr_un);
	SAME_FIELD(struct sockaddr_un_k, struct sockaddr_un, sun_family);
	SAME_FIELD(struct sockaddr_un_k, struct sockaddr_un, sun_path);

	SIZE(struct msghdr_k, struct msghdr);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_name);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_namelen);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_iov);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_iovlen);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_control);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_controllen);
	SAME_FIELD(struct msghdr_k, struct msghdr, msg_flags);
	SIZE(struct mmsghdr_k, struct mmsghdr);
	SAME_FIELD(struct mmsghdr_k, struct mmsghdr, msg_hdr);
	SAME_FIELD(struct mmsghdr_k, struct mmsghdr, msg_len);

	SIZE(struct cmsghdr_k, struct cmsghdr);
	SAME_FIELD(struct cmsghdr_k, struct cmsghdr, cmsg_len);
	SAME_FIELD(struct cmsghdr_k, struct cmsghdr, cmsg_level);
	SAME_FIELD(struct cmsghdr_k, struct cmsghdr, cmsg_type);
	SIZE(struct ucred_k, struct ucred);
	SAME_FIELD(struct ucred_k, struct ucred, pid);
	SAME_FIELD(struct ucred_k, struct ucred, uid);
	SAME_FIELD(struct ucred_k, struct ucred, gid);
	SIZE(struct linger_k, struct linger);
	SAME_FIELD(struct linger_k, struct linger, l_onoff);
	SAME_FIELD(struct linger_k, struct linger, l_linger);
	no_mismatch();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_fails),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_fs_flags),
		cmocka_unit_test(test_fs_structs),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_tty),
		cmocka_unit_test(test_signal_numbers),
		cmocka_unit_test(test_signal_structs),
		cmocka_unit_test(test_process_flags),
		cmocka_unit_test(test_process_structs),
		cmocka_unit_test(test_mman),
		cmocka_unit_test(test_socket_constants),
		cmocka_unit_test(test_socket_structs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
