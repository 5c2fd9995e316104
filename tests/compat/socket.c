/*
 * socket: AF_UNIX sockets between ring-3 processes, as on Linux:
 *
 *   socketpair + SCM_RIGHTS across fork: a child sends the read end of a
 *     pipe it made and filled; the parent reads it through the fd it got
 *   accept in a child: the parent listens on a path name, a child accepts
 *     and answers in upper case; the parent connects, talks, sees EOF
 *   SIGPIPE: a send to a closed peer kills a child by SIGPIPE unless
 *     MSG_NOSIGNAL (then EPIPE); with SIGPIPE ignored, EPIPE alone
 *   EINTR: a blocking recv interrupted by a handler without SA_RESTART;
 *     with SA_RESTART the recv goes on and gets the data sent afterwards
 *   SO_PEERCRED: the pid of the process at the other end
 *
 * Waits are for what must happen (a child's exit, /proc/PID/stat saying the
 * parent sleeps), never a fixed sleep that a busy host could outlast.
 */
#include "ct.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static char dir[64];

static int send_fd(int s, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "F", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return (int)sendmsg(s, &mh, 0);
}

static int recv_fd(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fd = -1;

	if (recvmsg(s, &mh, 0) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int rights_child(void *arg)
{
	int s = *(int *)arg, p[2];

	CHECK_OK(pipe(p), "the child's pipe");
	CHECK_EQ(write(p[1], "from-child", 10), 10, "fill the pipe");
	close(p[1]);
	CHECK_EQ(send_fd(s, p[0]), 1, "sendmsg with SCM_RIGHTS");
	close(p[0]);
	return ct_child_status();
}

static void rights_across_fork(void)
{
	int sv[2];
	char buf[32];

	ct_section("SCM_RIGHTS across fork");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
	int st = ct_child(rights_child, &sv[1]);
	CHECK_WAIT(st, "exit 0", "the sending child");
	int fd = recv_fd(sv[0]);
	CHECK(fd >= 0, "an fd received");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 10, "read the child's pipe through it");
	CHECK(!memcmp(buf, "from-child", 10), "the child's bytes");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "then EOF (the child closed its write end)");
	close(fd), close(sv[0]), close(sv[1]);
}

static int server_child(void *arg)
{
	int l = *(int *)arg;
	char buf[32];
	int c = accept(l, NULL, NULL);

	CHECK(c >= 0, "accept in the child");
	ssize_t n = read(c, buf, sizeof(buf));
	CHECK_EQ(n, 5, "the request");
	for (ssize_t i = 0; i < n; i++)
		buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
	CHECK_EQ(write(c, buf, (size_t)n), n, "the answer");
	struct ucred cr;
	socklen_t l2 = sizeof(cr);
	CHECK_OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l2), "SO_PEERCRED");
	CHECK_EQ(cr.pid, getppid(), "the peer is the parent");
	close(c);
	return ct_child_status();
}

static void accept_in_child(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[32];

	ct_section("accept in a child");
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/srv", dir);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(bind(l, (struct sockaddr *)&a, sizeof(a)), "bind a path");
	CHECK_OK(listen(l, 4), "listen");
	pid_t pid = fork();
	if (pid == 0) {
		ct_checks = ct_fails = 0;
		_exit(server_child(&l));
	}
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_OK(connect(c, (struct sockaddr *)&a, sizeof(a)), "connect");
	CHECK_EQ(write(c, "hello", 5), 5, "send");
	CHECK_EQ(read(c, buf, sizeof(buf)), 5, "the answer");
	CHECK(!memcmp(buf, "HELLO", 5), "upper case");
	CHECK_EQ(read(c, buf, sizeof(buf)), 0, "EOF when the child closes");
	CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "the server child");
	close(c), close(l);
	unlink(a.sun_path);
}

static int pipe_child(void *arg)
{
	int s = *(int *)arg;
	(void)send(s, "x", 1, 0);
	return 0; /* not reached: SIGPIPE */
}

static int nosignal_child(void *arg)
{
	int s = *(int *)arg;
	CHECK_ERR(send(s, "x", 1, MSG_NOSIGNAL), EPIPE, "MSG_NOSIGNAL: EPIPE");
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(s, "x", 1), EPIPE, "SIGPIPE ignored: EPIPE");
	return ct_child_status();
}

static void sigpipe(void)
{
	int sv[2];

	ct_section("SIGPIPE");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
	close(sv[1]);
	CHECK_WAIT(ct_child(pipe_child, &sv[0]), "signal 13", "send to a closed peer");
	CHECK_WAIT(ct_child(nosignal_child, &sv[0]), "exit 0", "MSG_NOSIGNAL and SIG_IGN");
	close(sv[0]);
}

/* Wait until pid sleeps in the kernel: 'S' in /proc/PID/stat (30 s at most). */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 30000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		ct_msleep(1);
	}
}

static volatile int got_usr1;
static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

static void interrupt(void)
{
	int sv[2];
	char buf[8];

	ct_section("EINTR and SA_RESTART");
	CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "socketpair");
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = restart ? SA_RESTART : 0 };
		sigaction(SIGUSR1, &sa, NULL);
		got_usr1 = 0;
		pid_t parent = getpid(), pid = fork();
		if (pid == 0) {
			wait_sleeping(parent);
			kill(parent, SIGUSR1);
			if (restart) {
				/* the handler has run once the parent sleeps again */
				wait_sleeping(parent);
				(void)!write(sv[1], "data", 4);
			}
			_exit(0);
		}
		ssize_t n = recv(sv[0], buf, sizeof(buf), 0);
		if (!restart) {
			CHECK_EQ(n, -1, "recv interrupted");
			CHECK_EQ(errno, EINTR, "EINTR without SA_RESTART");
		} else {
			CHECK_EQ(n, 4, "recv restarted and got the data");
		}
		CHECK_EQ(got_usr1, 1, "the handler ran");
		CHECK_WAIT(ct_waitpid(pid, 0), "exit 0", "the signalling child");
	}
	signal(SIGUSR1, SIG_DFL);
	close(sv[0]), close(sv[1]);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ct-socket-%d", (int)getpid());
	mkdir("/tmp", 01777);
	if (mkdir(dir, 0700)) {
		ct_out("FAIL mkdir %s: %s", dir, strerror(errno));
		return 1;
	}
	rights_across_fork();
	accept_in_child();
	sigpipe();
	interrupt();
	rmdir(dir);
	return ct_done();
}
