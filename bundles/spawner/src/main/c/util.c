/*
 * corral-spawnd -- small helpers shared by the server's files: logging,
 * filling in a failure, reading a protocol field, the clock, closing and
 * reading or writing descriptors in full, the pidfd system calls, signal
 * dispositions through the raw system call, and closing every descriptor
 * from a number on.  read_full, set_default_disposition and close_from
 * also run in a child between clone and execve (child.c), so they stay
 * async-signal-safe.
 */
#include "spawnd.h"

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

void logmsg(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof line, "corral-spawnd[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to complain */
	}
}

void fail_set(struct failure *f, int err, const char *fmt, ...)
{
	va_list ap;
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->step, sizeof f->step, fmt, ap);
	va_end(ap);
}

uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (close(fds[i]) != 0)
			logmsg("close %d: %s", fds[i], strerror(errno));
}

/* Read exactly len bytes; returns 0, or -1 with errno (EPIPE on early EOF). */
int read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#ifdef __linux__
int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0u);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0u);
}
#endif /* __linux__ */

/*
 * Signal dispositions through the raw system call on Linux: glibc refuses
 * the numbers it reserves for its threads (32 and 33), yet a parent may have
 * left them ignored, and an ignored signal survives execve.  Only the
 * handler, the first field of the kernel's struct, is read; SIG_DFL is an
 * all-zero struct, whatever the architecture's layout.
 */
bool has_default_disposition(int sig)
{
#ifdef __linux__
	unsigned long now[8] = { 0 };
	return syscall(SYS_rt_sigaction, sig, NULL, now, KERNEL_SIGSET_SIZE) != 0 || now[0] == (unsigned long)SIG_DFL;
#else
	struct sigaction now;
	return sigaction(sig, NULL, &now) != 0 || now.sa_handler == SIG_DFL;
#endif
}

int set_default_disposition(int sig)
{
#ifdef __linux__
	static const unsigned long dfl[8] = { 0 };
	return (int)syscall(SYS_rt_sigaction, sig, dfl, NULL, KERNEL_SIGSET_SIZE);
#else
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	return sigaction(sig, &dfl, NULL);
#endif
}

/* Close every descriptor >= lo except keep (keep < lo, or keep = -1). */
int close_from(unsigned lo, int keep, unsigned fallback_max)
{
#ifdef __linux__
	int r;
	if (keep >= 0 && (unsigned)keep >= lo) {
		r = (unsigned)keep > lo ? (int)syscall(SYS_close_range, lo, (unsigned)keep - 1, 0u) : 0;
		if (r == 0)
			r = (int)syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u);
	} else {
		r = (int)syscall(SYS_close_range, lo, ~0u, 0u);
	}
	if (r == 0 || errno != ENOSYS)
		return r;
	/* Linux < 5.9: close one by one. */
#endif
	for (unsigned fd = lo; fd < fallback_max; fd++)
		if ((int)fd != keep && close((int)fd) != 0 && errno != EBADF)
			return -1; /* EBADF: a hole, expected */
	return 0;
}

/* Reads a small file (a /proc or cgroup file) at dir (AT_FDCWD for a path)
 * into buf as a string; returns its length, or -1. */
ssize_t read_small_file(int dir, const char *file, char *buf, size_t cap)
{
	int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}
