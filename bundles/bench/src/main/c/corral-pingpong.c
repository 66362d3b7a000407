/*
 * corral-pingpong: the baseline of corral:bench-ports.  Two processes on an
 * AF_UNIX SOCK_SEQPACKET socketpair (what Corral's ports are), blocking
 * send and recv, one datagram each way per round trip.
 *
 *   corral-pingpong ROUNDS WARMUP SIZE [blocking|epoll|ports]
 *
 * "epoll" makes both sides wait in epoll_wait before each non-blocking recv,
 * as an event loop over many ports does (main's port reader does).
 * "ports" makes the system calls of Corral's main <-> worker call in C:
 * both sides receive with recvmsg and room for descriptors, blocking in it,
 * the asking side under a receive timeout (the worker library reads each
 * socket on a thread of its own). The JVMs' share of a round trip is what
 * is left.
 * Prints "ROUNDS MEAN_NANOS" on standard output; exits 1 with a message
 * naming the failed call otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *call)
{
	fprintf(stderr, "corral-pingpong: %s: %s\n", call, strerror(errno));
	exit(1);
}

static long number(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "corral-pingpong: %s \"%s\": expected a number >= 0\n", what, s);
		exit(2);
	}
	return v;
}

/* -1 for blocking receives, else an epoll instance watching the socket. */
static int loop_fd = -1;
/* Receive with recvmsg and room for descriptors, as a port does. */
static int with_control;

static ssize_t take(int fd, char *buf, size_t size, int flags)
{
	if (!with_control)
		return recv(fd, buf, size, flags);
	char control[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
		.msg_controllen = sizeof control};
	return recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
}

static ssize_t receive(int fd, char *buf, size_t size)
{
	if (loop_fd < 0)
		return take(fd, buf, size, 0);
	struct epoll_event ev[64];
	if (epoll_wait(loop_fd, ev, 64, -1) < 1)
		return -1;
	return take(fd, buf, size, MSG_DONTWAIT);
}

static void watch(int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	if (loop_fd < 0)
		loop_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop_fd < 0)
		die("epoll_create1");
	if (epoll_ctl(loop_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl");
}

static void echo(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = receive(fd, buf, sizeof buf);
		if (n <= 0)
			_exit(n == 0 ? 0 : 1);
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			_exit(1);
	}
}

static void round_trips(int fd, long rounds, char *buf, size_t size)
{
	for (long i = 0; i < rounds; i++) {
		if (send(fd, buf, size, MSG_NOSIGNAL) != (ssize_t)size)
			die("send");
		if (receive(fd, buf, size) != (ssize_t)size)
			die("recv");
	}
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: corral-pingpong ROUNDS WARMUP SIZE [blocking|epoll|ports]\n");
		return 2;
	}
	int epoll = argc == 5 && strcmp(argv[4], "epoll") == 0;
	int ports = argc == 5 && strcmp(argv[4], "ports") == 0;
	if (argc == 5 && !epoll && !ports && strcmp(argv[4], "blocking") != 0) {
		fprintf(stderr, "corral-pingpong: mode \"%s\": expected blocking, epoll or ports\n", argv[4]);
		return 2;
	}
	with_control = ports;
	long rounds = number(argv[1], "ROUNDS");
	long warmup = number(argv[2], "WARMUP");
	long size = number(argv[3], "SIZE");
	if (rounds < 1 || size < 1 || size > 65536) {
		fprintf(stderr, "corral-pingpong: ROUNDS must be at least 1 and SIZE 1..65536\n");
		return 2;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		die("socketpair");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		if (epoll)
			watch(sv[1]);
		echo(sv[1]);
	}
	close(sv[1]);
	if (epoll)
		watch(sv[0]);
	if (ports) {
		struct timeval timeout = {.tv_sec = 5};
		if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0)
			die("setsockopt SO_RCVTIMEO");
	}
	char *buf = calloc(1, (size_t)size);
	if (buf == NULL)
		die("calloc");
	round_trips(sv[0], warmup, buf, (size_t)size);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	round_trips(sv[0], rounds, buf, (size_t)size);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long nanos = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("%ld %lld\n", rounds, nanos / rounds);
	close(sv[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
