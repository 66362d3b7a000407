/*
 * spawnd-test -- drives a real corral-spawnd over its socket and checks
 * its behaviour with real processes and real namespaces.
 *
 *   usage: spawnd-test /path/to/corral-spawnd
 *
 * Prints one line per check ("ok", "FAIL" or "skip"), a few timing lines,
 * and finally "N passed, N failed".  Exits 1 if any check failed.
 * Checks that need root are skipped (and say so) when run unprivileged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

extern char **environ;

/* ---- protocol constants (docs/spawnd-protocol.md) ---- */
enum { SPAWN = 1, ADOPT = 2, DETACH = 3, HELLO = 100, SPAWNED = 101, FAILED = 102, EXITED = 103 };
enum { NS_USER = 1, NS_PID = 2, NS_MOUNT = 4, NS_UTS = 8, NS_IPC = 16, NS_NET = 32, NS_CGROUP = 64 };
enum { NO_NEW_PRIVS = 1, MOUNT_PROC = 2, SET_GROUPS = 4, SET_GID = 8, SET_UID = 16, CGROUP = 32, RO_ROOT = 64 };
enum { PIPE_STDIN = 128, PIPE_STDOUT = 256, PIPE_STDERR = 512, STDERR_TO_STDOUT = 1024 };
enum { SG_KEEP = 0, SG_DENY = 1, SG_ALLOW = 2 };
#define FULL_NS (NS_USER | NS_PID | NS_MOUNT | NS_UTS | NS_IPC)

static const char *server_path;
enum { MAX_SPARE_STACKS = 64 }; /* the server's cache of init stacks */
static int n_passed, n_failed, n_skipped;
static bool is_root;
static int devnull = -1;

/* ------------------------------------------------------------------------ */
/* reporting                                                                 */
/* ------------------------------------------------------------------------ */

static void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(bool ok, const char *name, const char *fmt, ...)
{
	char detail[1024] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
	}
	if (ok)
		n_passed++;
	else
		n_failed++;
	printf("%-4s %s%s%s\n", ok ? "ok" : "FAIL", name, detail[0] ? ": " : "", detail);
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	n_skipped++;
	printf("skip %s: %s\n", name, why);
	fflush(stdout);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0u);
}

/* 1 if the pidfd's process has exited within timeout_ms, with POLLHUP
 * telling whether it has also been reaped. */
static bool pidfd_wait(int pidfd, int timeout_ms, bool want_reaped)
{
	int64_t end = now_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int left = (int)((end - now_us()) / 1000);
		if (left < 0)
			left = 0;
		int n = poll(&p, 1, want_reaped ? (left > 10 ? 10 : left) : left);
		if (n > 0 && (!want_reaped || (p.revents & POLLHUP)))
			return true;
		if (now_us() >= end)
			return false;
	}
}

static int count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------------ */
/* talking to a server                                                       */
/* ------------------------------------------------------------------------ */

struct msg {
	uint32_t w[2048]; /* 8 KiB; word access for the fixed fields */
	size_t len;
	int fds[8];
	int nfds;
};
#define MSG_BYTES(m) ((unsigned char *)(m)->w)

struct server {
	pid_t pid;
	int sock;
	int events; /* the events socket, or -1: exit reports come on sock */
	uint32_t hello[5];
	bool have_hello;
	/* messages that arrived while waiting for another one */
	struct msg *stash;
	size_t nstash, capstash;
};

static int recv_msg(int sock, struct msg *m, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);
	if (r <= 0)
		return -1;
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = m->w, .iov_len = sizeof m->w };
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
	                    .msg_controllen = sizeof ctl.buf };
	ssize_t n = recvmsg(sock, &h, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	m->len = (size_t)n;
	m->nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k && m->nfds < 8; i++)
			memcpy(&m->fds[m->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return 0;
}

/* The next message with this type whose word 1 equals key (request id for
 * SPAWNED/FAILED, pid for EXITED); earlier non-matching ones are stashed. */
static int await(struct server *s, uint32_t type, uint32_t key, struct msg *out, int timeout_ms)
{
	for (size_t i = 0; i < s->nstash; i++) {
		struct msg *m = &s->stash[i];
		if (m->w[0] == type && m->w[1] == key) {
			*out = *m;
			s->stash[i] = s->stash[--s->nstash];
			return 0;
		}
	}
	int64_t end = now_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		int left = (int)((end - now_us()) / 1000);
		if (left < 0 || recv_msg(s->sock, out, left) != 0)
			return -1;
		if (out->len >= 8 && out->w[0] == type && out->w[1] == key)
			return 0;
		/* A FAILED for a request answers it too: hand it back. */
		if (type == SPAWNED && out->w[0] == FAILED && out->len >= 8 && out->w[1] == key)
			return 0;
		if (s->nstash == s->capstash) {
			s->capstash = s->capstash ? s->capstash * 2 : 64;
			s->stash = realloc(s->stash, s->capstash * sizeof *s->stash);
			if (!s->stash)
				abort();
		}
		s->stash[s->nstash++] = *out;
	}
}

/* Set while launching a server that gets --cgroup. */
static const char *launch_cgroup;

/* hold_ms < 0: no events socket; otherwise one at fd 4, with --hold-exits hold_ms. */
static int server_launch(struct server *s, const char *mode, int hold_ms)
{
	memset(s, 0, sizeof *s);
	s->events = -1;
	int sv[2], ev[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if (hold_ms >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) != 0)
		return -1;
	char hold[16];
	snprintf(hold, sizeof hold, "%d", hold_ms);
	/* AF_UNIX datagrams are limited by the sender's buffer. */
	int sndbuf = 512 * 1024;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	/* A leaked descriptor, as a JVM would leak: the server must close it. */
	int leak = open("/dev/null", O_RDONLY);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(sv[1], 3) != 3 || (ev[1] >= 0 && dup2(ev[1], 4) != 4))
			_exit(126);
		if (leak >= 0 && leak != 17 && dup2(leak, 17) < 0)
			_exit(126);
		/* As under nohup: an ignored SIGHUP the server inherits (SIGPIPE
		 * is ignored too, by this driver and by the server itself). And
		 * one of the numbers glibc keeps for itself, as some launchers
		 * leave them: only the raw system call can ignore it. */
		signal(SIGHUP, SIG_IGN);
		unsigned long ign[8] = { (unsigned long)SIG_IGN };
		(void)syscall(SYS_rt_sigaction, 33, ign, NULL, 8);
		if (hold_ms >= 0 && launch_cgroup)
			execl(server_path, "corral-spawnd", mode, "--events-fd", "4", "--hold-exits", hold,
			      "--cgroup", launch_cgroup, (char *)NULL);
		else if (hold_ms >= 0)
			execl(server_path, "corral-spawnd", mode, "--events-fd", "4", "--hold-exits", hold,
			      (char *)NULL);
		else if (launch_cgroup)
			execl(server_path, "corral-spawnd", mode, "--cgroup", launch_cgroup, (char *)NULL);
		else
			execl(server_path, "corral-spawnd", mode, (char *)NULL);
		_exit(127);
	}
	if (leak >= 0)
		close(leak);
	close(sv[1]);
	if (ev[1] >= 0)
		close(ev[1]);
	s->pid = pid;
	s->sock = sv[0];
	s->events = ev[0];
	struct msg m;
	if (recv_msg(s->sock, &m, 5000) != 0 || m.len != 20 || m.w[0] != HELLO)
		return -1;
	memcpy(s->hello, m.w, sizeof s->hello);
	s->have_hello = true;
	return 0;
}

static int server_start(struct server *s, const char *mode)
{
	return server_launch(s, mode, -1);
}

/* Wait for the server process to exit; returns its wait status or -1. */
static int server_wait(struct server *s, int timeout_ms)
{
	int64_t end = now_us() + (int64_t)timeout_ms * 1000;
	for (;;) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid)
			return st;
		if (r < 0 || now_us() > end)
			return -1;
		usleep(2000);
	}
}

static void server_stop(struct server *s)
{
	if (s->sock >= 0)
		close(s->sock);
	if (s->events >= 0)
		close(s->events);
	s->sock = s->events = -1;
	if (s->pid > 0 && server_wait(s, 5000) < 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	for (size_t i = 0; i < s->nstash; i++)
		for (int k = 0; k < s->stash[i].nfds; k++)
			close(s->stash[i].fds[k]);
	free(s->stash);
	s->stash = NULL;
	s->nstash = s->capstash = 0;
}

/* ------------------------------------------------------------------------ */
/* building SPAWN requests                                                   */
/* ------------------------------------------------------------------------ */

struct spawn {
	uint32_t ns, options, setgroups_mode, pdeath;
	int32_t uid, gid;
	uint32_t ngroups, groups[8];
	uint32_t n_uidmap, uidmap[4][3];
	uint32_t n_gidmap, gidmap[4][3];
	const char *path, *cwd, *hostname, *title;
	const char *cgroup;                 /* cgroup_parent; "" for the server's */
	const char *rootfs;                 /* "" for the host's */
	const char *mounts[8][3];           /* kind, source, destination */
	const char *cg_v1[4], *cg_set[8], *rlimits[8];
	const char *argv[16];
	const char *envp[8];
	int fds[8];
	int nfds;
	/* for malformed requests */
	int32_t argc_override, nfds_override;
	bool unterminated;
};

static void spawn_init(struct spawn *sp, const char *path, ...)
{
	memset(sp, 0, sizeof *sp);
	sp->path = path;
	sp->cwd = "";
	sp->hostname = "";
	sp->title = "spawnd-test";
	sp->cgroup = "";
	sp->rootfs = "";
	va_list ap;
	va_start(ap, path);
	int i = 0;
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && i < 15)
		sp->argv[i++] = a;
	va_end(ap);
	sp->envp[0] = "PATH=/usr/bin:/bin";
	sp->fds[0] = devnull;
	sp->fds[1] = devnull;
	sp->fds[2] = STDERR_FILENO;
	sp->nfds = 3;
	sp->argc_override = -1;
	sp->nfds_override = -1;
}

/* map 0 -> our own uid/gid, the one mapping an unprivileged user may write */
static void spawn_own_map(struct spawn *sp)
{
	sp->n_uidmap = 1;
	sp->uidmap[0][0] = 0, sp->uidmap[0][1] = getuid(), sp->uidmap[0][2] = 1;
	sp->n_gidmap = 1;
	sp->gidmap[0][0] = 0, sp->gidmap[0][1] = getgid(), sp->gidmap[0][2] = 1;
	sp->setgroups_mode = SG_DENY;
}

static size_t count_strs(const char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static void put32(unsigned char *buf, size_t *len, uint32_t v)
{
	memcpy(buf + *len, &v, 4);
	*len += 4;
}

static void put_str(unsigned char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(buf + *len, s, n);
	*len += n;
}

static size_t encode_spawn(const struct spawn *sp, uint32_t req, unsigned char *b)
{
	size_t len = 0;
	uint32_t argc = (uint32_t)count_strs(sp->argv), envc = (uint32_t)count_strs(sp->envp);
	put32(b, &len, SPAWN);
	put32(b, &len, req);
	put32(b, &len, sp->ns);
	put32(b, &len, sp->options);
	put32(b, &len, (uint32_t)sp->uid);
	put32(b, &len, (uint32_t)sp->gid);
	put32(b, &len, sp->ngroups);
	put32(b, &len, sp->setgroups_mode);
	put32(b, &len, sp->n_uidmap);
	put32(b, &len, sp->n_gidmap);
	put32(b, &len, sp->pdeath);
	put32(b, &len, sp->argc_override >= 0 ? (uint32_t)sp->argc_override : argc);
	put32(b, &len, envc);
	put32(b, &len, sp->nfds_override >= 0 ? (uint32_t)sp->nfds_override : (uint32_t)sp->nfds);
	uint32_t nrl = (uint32_t)count_strs(sp->rlimits), nv1 = (uint32_t)count_strs(sp->cg_v1),
	         nset = (uint32_t)count_strs(sp->cg_set);
	put32(b, &len, nrl);
	put32(b, &len, nv1);
	put32(b, &len, nset);
	uint32_t nmounts = 0;
	while (nmounts < 8 && sp->mounts[nmounts][0])
		nmounts++;
	put32(b, &len, nmounts);
	for (uint32_t i = 0; i < sp->ngroups; i++)
		put32(b, &len, sp->groups[i]);
	for (uint32_t i = 0; i < sp->n_uidmap; i++)
		for (int k = 0; k < 3; k++)
			put32(b, &len, sp->uidmap[i][k]);
	for (uint32_t i = 0; i < sp->n_gidmap; i++)
		for (int k = 0; k < 3; k++)
			put32(b, &len, sp->gidmap[i][k]);
	put_str(b, &len, sp->path);
	put_str(b, &len, sp->cwd);
	put_str(b, &len, sp->hostname);
	put_str(b, &len, sp->title);
	put_str(b, &len, sp->cgroup);
	put_str(b, &len, sp->rootfs);
	for (uint32_t i = 0; i < nv1; i++)
		put_str(b, &len, sp->cg_v1[i]);
	for (uint32_t i = 0; i < nset; i++)
		put_str(b, &len, sp->cg_set[i]);
	for (uint32_t i = 0; i < nrl; i++)
		put_str(b, &len, sp->rlimits[i]);
	for (uint32_t i = 0; i < nmounts; i++)
		for (int k = 0; k < 3; k++)
			put_str(b, &len, sp->mounts[i][k]);
	for (uint32_t i = 0; i < argc; i++)
		put_str(b, &len, sp->argv[i]);
	for (uint32_t i = 0; i < envc; i++)
		put_str(b, &len, sp->envp[i]);
	if (sp->unterminated)
		len--; /* drop the last NUL */
	return len;
}

static int send_raw(int sock, const void *data, size_t len, const int *fds, int nfds)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		memset(&ctl, 0, sizeof ctl);
		h.msg_control = ctl.buf;
		h.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	return sendmsg(sock, &h, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static uint32_t next_request_id = 1;

static int send_spawn(struct server *s, const struct spawn *sp, uint32_t *req_out)
{
	static unsigned char buf[512 * 1024];
	uint32_t req = next_request_id++;
	size_t len = encode_spawn(sp, req, buf);
	*req_out = req;
	return send_raw(s->sock, buf, len, sp->fds, sp->nfds);
}

struct outcome {
	bool answered, spawned, exited;
	int32_t pid, ns_pid;
	int pidfd;
	int32_t err;
	char step[4400];
	int32_t code, sig;
	uint32_t known;
	bool oom;
};

static void outcome_close(struct outcome *o)
{
	if (o->pidfd >= 0)
		close(o->pidfd);
	o->pidfd = -1;
}

/* Read SPAWNED/FAILED for req into o. */
static void await_answer(struct server *s, uint32_t req, struct outcome *o, int timeout_ms)
{
	struct msg m;
	memset(o, 0, sizeof *o);
	o->pidfd = -1;
	if (await(s, SPAWNED, req, &m, timeout_ms) != 0)
		return;
	o->answered = true;
	if (m.w[0] == SPAWNED && m.len == 16) {
		o->spawned = true;
		o->pid = (int32_t)m.w[2];
		o->ns_pid = (int32_t)m.w[3];
		o->pidfd = m.nfds == 1 ? m.fds[0] : -1;
		for (int i = 1; i < m.nfds; i++)
			close(m.fds[i]);
	} else if (m.w[0] == FAILED && m.len > 16) {
		o->err = (int32_t)m.w[2];
		o->pid = (int32_t)m.w[3];
		size_t n = m.len - 16;
		if (n > sizeof o->step - 1)
			n = sizeof o->step - 1;
		memcpy(o->step, MSG_BYTES(&m) + 16, n);
		o->step[n] = '\0';
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
	}
}

static void await_exit(struct server *s, struct outcome *o, int timeout_ms)
{
	struct msg m;
	if (!o->spawned || await(s, EXITED, (uint32_t)o->pid, &m, timeout_ms) != 0 || m.len != 20)
		return;
	o->exited = true;
	o->code = (int32_t)m.w[2];
	o->sig = (int32_t)m.w[3];
	o->known = m.w[4] & 1;
	o->oom = (m.w[4] & 2) != 0;
}

/* Spawn, wait for the answer and (if spawned) for the exit. */
static void run(struct server *s, const struct spawn *sp, struct outcome *o, int timeout_ms)
{
	uint32_t req;
	if (send_spawn(s, sp, &req) != 0) {
		memset(o, 0, sizeof *o);
		o->pidfd = -1;
		snprintf(o->step, sizeof o->step, "sendmsg: %s", strerror(errno));
		return;
	}
	await_answer(s, req, o, timeout_ms);
	await_exit(s, o, timeout_ms);
}

static const char *describe(const struct outcome *o)
{
	static char buf[4600];
	if (!o->answered)
		snprintf(buf, sizeof buf, "no answer %s", o->step);
	else if (!o->spawned)
		snprintf(buf, sizeof buf, "FAILED errno %d (%s) pid %d step '%s'", o->err,
		         strerror(o->err), o->pid, o->step);
	else if (!o->exited)
		snprintf(buf, sizeof buf, "SPAWNED pid %d, no EXITED", o->pid);
	else
		snprintf(buf, sizeof buf, "pid %d ns_pid %d exit_code %d signal %d known %u", o->pid,
		         o->ns_pid, o->code, o->sig, o->known);
	return buf;
}

/* Run with fd 1 = a pipe; collect what the child wrote. */
static void run_capture(struct server *s, struct spawn *sp, struct outcome *o, char *out, size_t cap)
{
	int p[2];
	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) != 0) {
		memset(o, 0, sizeof *o);
		o->pidfd = -1;
		return;
	}
	sp->fds[1] = p[1];
	uint32_t req;
	if (send_spawn(s, sp, &req) != 0) {
		memset(o, 0, sizeof *o);
		o->pidfd = -1;
		close(p[0]);
		close(p[1]);
		return;
	}
	close(p[1]);
	sp->fds[1] = devnull;
	await_answer(s, req, o, 10000);
	size_t got = 0;
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	while (got + 1 < cap && poll(&pf, 1, 10000) > 0) {
		ssize_t n = read(p[0], out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(p[0]);
	await_exit(s, o, 10000);
}

static bool process_gone(pid_t pid)
{
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/* ------------------------------------------------------------------------ */
/* the checks                                                                */
/* ------------------------------------------------------------------------ */

static uint32_t expected_ns_mask(void)
{
	static const struct { const char *f; uint32_t bit; } ns[] = {
		{ "/proc/self/ns/user", NS_USER }, { "/proc/self/ns/pid", NS_PID },
		{ "/proc/self/ns/mnt", NS_MOUNT }, { "/proc/self/ns/uts", NS_UTS },
		{ "/proc/self/ns/ipc", NS_IPC },   { "/proc/self/ns/net", NS_NET },
		{ "/proc/self/ns/cgroup", NS_CGROUP },
	};
	uint32_t m = 0;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		if (access(ns[i].f, F_OK) == 0)
			m |= ns[i].bit;
	return m;
}

/* Descriptors of the server other than 0-3 and its epoll instance. */
static int server_extra_fds(pid_t pid, char *list, size_t cap)
{
	char path[64], link[384], target[256];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int extra = 0;
	list[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		snprintf(link, sizeof link, "%s/%s", path, e->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		if (fd <= 3 || strcmp(target, "anon_inode:[eventpoll]") == 0)
			continue;
		extra++;
		size_t used = strlen(list);
		snprintf(list + used, cap - used, " %d->%s", fd, target);
	}
	closedir(d);
	return extra;
}

static void test_hello(void)
{
	struct server s;
	if (server_start(&s, "clone") != 0) {
		check(false, "hello (clone mode)", "server did not start or send HELLO");
		return;
	}
	uint32_t want = expected_ns_mask();
	check(s.hello[0] == HELLO && s.hello[1] == 2 && s.hello[2] == 1 && s.hello[3] == want &&
	          (pid_t)s.hello[4] == s.pid,
	      "hello (clone mode)", "type %u version %u mode %u ns_mask 0x%x (want 0x%x) pid %d (want %d)",
	      s.hello[0], s.hello[1], s.hello[2], s.hello[3], want, (int)s.hello[4], (int)s.pid);
	char list[1024];
	int extra = server_extra_fds(s.pid, list, sizeof list);
	check(extra == 0, "server closed inherited descriptors", "%d extra:%s", extra, list);
	server_stop(&s);

	if (server_start(&s, "fork") != 0) {
		check(false, "hello (fork mode)", "server did not start");
		return;
	}
	check(s.hello[1] == 2 && s.hello[2] == 2 && s.hello[3] == 0, "hello (fork mode)",
	      "version %u mode %u ns_mask 0x%x", s.hello[1], s.hello[2], s.hello[3]);
	struct spawn sp;
	struct outcome o;
	spawn_init(&sp, "/bin/true", "true", NULL);
	run(&s, &sp, &o, 10000);
	check(o.exited && o.code == 0 && o.known == 1, "fork mode: /bin/true exits 0", "%s", describe(&o));
	outcome_close(&o);
	sp.ns = NS_UTS;
	run(&s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && o.pid == 0 &&
	          strcmp(o.step, "namespaces need clone mode") == 0,
	      "fork mode: namespaces refused", "%s", describe(&o));
	outcome_close(&o);
	server_stop(&s);
}

static void test_basic_exits(struct server *s)
{
	struct spawn sp;
	struct outcome o;

	spawn_init(&sp, "/bin/true", "true", NULL);
	run(s, &sp, &o, 10000);
	char fdinfo[64], info[512] = "";
	if (o.pidfd >= 0) {
		/* the descriptor must be a pidfd for exactly this pid */
		snprintf(fdinfo, sizeof fdinfo, "/proc/self/fdinfo/%d", o.pidfd);
		FILE *f = fopen(fdinfo, "r");
		if (f) {
			size_t n = fread(info, 1, sizeof info - 1, f);
			info[n] = '\0';
			fclose(f);
		}
	}
	char want_line[64];
	snprintf(want_line, sizeof want_line, "Pid:\t");
	bool pidfd_ok = o.pidfd >= 0 && strstr(info, want_line) != NULL;
	check(o.spawned && o.pid > 0 && o.ns_pid == o.pid && pidfd_ok, "/bin/true: SPAWNED with a pidfd",
	      "%s, pidfd %d", describe(&o), o.pidfd);
	check(o.exited && o.code == 0 && o.sig == 0 && o.known == 1, "/bin/true: EXITED code 0", "%s",
	      describe(&o));
	outcome_close(&o);

	spawn_init(&sp, "/bin/sh", "sh", "-c", "exit 7", NULL);
	run(s, &sp, &o, 10000);
	check(o.exited && o.code == 7 && o.sig == 0 && o.known == 1, "sh -c 'exit 7': code 7", "%s",
	      describe(&o));
	outcome_close(&o);

	spawn_init(&sp, "/bin/sh", "sh", "-c", "kill -9 $$", NULL);
	run(s, &sp, &o, 10000);
	check(o.exited && o.code == -1 && o.sig == 9 && o.known == 1, "sh -c 'kill -9 $$': signal 9",
	      "%s", describe(&o));
	outcome_close(&o);

	spawn_init(&sp, "/no/such", "such", NULL);
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == ENOENT && strcmp(o.step, "execve /no/such") == 0 &&
	          o.pid > 0 && process_gone(o.pid),
	      "missing executable: FAILED ENOENT 'execve /no/such', child reaped", "%s", describe(&o));
	outcome_close(&o);

	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.cwd = "/no/such/dir";
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == ENOENT && strcmp(o.step, "chdir /no/such/dir") == 0,
	      "bad cwd: FAILED ENOENT 'chdir /no/such/dir'", "%s", describe(&o));
	outcome_close(&o);

	if (!is_root) {
		spawn_init(&sp, "/bin/true", "true", NULL);
		sp.options = SET_UID;
		sp.uid = 0;
		run(s, &sp, &o, 10000);
		check(o.answered && !o.spawned && o.err == EPERM && strcmp(o.step, "setuid 0") == 0,
		      "unprivileged setuid 0: FAILED EPERM 'setuid 0'", "%s", describe(&o));
		outcome_close(&o);
	}
}

static void test_namespaces(struct server *s)
{
	struct spawn sp;
	struct outcome o;
	char out[4096], own_ns[256];
	ssize_t n = readlink("/proc/self/ns/user", own_ns, sizeof own_ns - 1);
	own_ns[n > 0 ? n : 0] = '\0';

	spawn_init(&sp, "/bin/sh", "sh", "-c", "echo $$ $(id -u); readlink /proc/self/ns/user", NULL);
	sp.ns = FULL_NS;
	sp.options = MOUNT_PROC;
	spawn_own_map(&sp);
	run_capture(s, &sp, &o, out, sizeof out);
	char first[64] = "", second[256] = "";
	sscanf(out, "%63[^\n]\n%255[^\n]", first, second);
	check(o.spawned && o.ns_pid == 2 && o.exited && o.code == 0 && strcmp(first, "2 0") == 0 &&
	          strncmp(second, "user:[", 6) == 0 && strcmp(second, own_ns) != 0,
	      "USER|PID|MOUNT|UTS|IPC + MOUNT_PROC: prints '2 0' in a new user ns (init is 1)",
	      "%s; output '%s' / '%s' (own %s)", describe(&o), first, second, own_ns);
	outcome_close(&o);

	/* overlapping container ranges: EINVAL as root, EPERM unprivileged */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.ns = NS_USER;
	sp.n_uidmap = 2;
	sp.uidmap[0][0] = 0, sp.uidmap[0][1] = 100000, sp.uidmap[0][2] = 10;
	sp.uidmap[1][0] = 5, sp.uidmap[1][1] = 200000, sp.uidmap[1][2] = 10;
	run(s, &sp, &o, 10000);
	char want[128];
	snprintf(want, sizeof want, "writing uid_map for pid %d", o.pid);
	check(o.answered && !o.spawned && o.pid > 0 && strcmp(o.step, want) == 0 &&
	          (o.err == EINVAL || o.err == EPERM) && process_gone(o.pid),
	      "overlapping uid map: FAILED 'writing uid_map for pid N'", "%s", describe(&o));
	outcome_close(&o);

	if (!is_root) {
		spawn_init(&sp, "/bin/true", "true", NULL);
		sp.ns = NS_USER;
		sp.n_uidmap = 1;
		sp.uidmap[0][0] = 0, sp.uidmap[0][1] = 0, sp.uidmap[0][2] = 1;
		run(s, &sp, &o, 10000);
		snprintf(want, sizeof want, "writing uid_map for pid %d", o.pid);
		check(o.answered && !o.spawned && o.err == EPERM && strcmp(o.step, want) == 0,
		      "uid map to a host id we do not own: FAILED EPERM", "%s", describe(&o));
		outcome_close(&o);
	}

	char host_before[256] = "", host_after[256] = "";
	gethostname(host_before, sizeof host_before);
	spawn_init(&sp, "/bin/uname", "uname", "-n", NULL);
	sp.ns = NS_USER | NS_UTS;
	spawn_own_map(&sp);
	sp.hostname = "corral-test-ns";
	run_capture(s, &sp, &o, out, sizeof out);
	gethostname(host_after, sizeof host_after);
	check(o.exited && o.code == 0 && strcmp(out, "corral-test-ns\n") == 0 &&
	          strcmp(host_before, host_after) == 0 && strcmp(host_after, "corral-test-ns") != 0,
	      "hostname in a UTS namespace leaves the host's alone", "%s; child saw '%.*s', host '%s'",
	      describe(&o), (int)strcspn(out, "\n"), out, host_after);
	outcome_close(&o);

	/* every namespace the kernel offers, NET and CGROUP included */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/cgroup", NULL);
	sp.ns = expected_ns_mask();
	spawn_own_map(&sp);
	run_capture(s, &sp, &o, out, sizeof out);
	char own_net[256] = "", own_cg[256] = "", net[256] = "", cg[256] = "";
	n = readlink("/proc/self/ns/net", own_net, sizeof own_net - 1);
	own_net[n > 0 ? n : 0] = '\0';
	n = readlink("/proc/self/ns/cgroup", own_cg, sizeof own_cg - 1);
	own_cg[n > 0 ? n : 0] = '\0';
	sscanf(out, "%255[^\n]\n%255[^\n]", net, cg);
	check(o.exited && o.code == 0 && net[0] && cg[0] && strcmp(net, own_net) != 0 && strcmp(cg, own_cg) != 0,
	      "all supported namespaces (incl. NET, CGROUP)", "%s; mask 0x%x net '%s' cgroup '%s'",
	      describe(&o), sp.ns, net, cg);
	outcome_close(&o);

	/* MOUNT_PROC without a PID namespace is refused up front */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.ns = NS_USER | NS_MOUNT;
	sp.options = MOUNT_PROC;
	spawn_own_map(&sp);
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && o.pid == 0 &&
	          strcmp(o.step, "MOUNT_PROC needs the MOUNT and PID namespaces") == 0,
	      "MOUNT_PROC without PID namespace refused", "%s", describe(&o));
	outcome_close(&o);
}

static bool status_field(const char *status, const char *key, char *val, size_t cap)
{
	const char *p = strstr(status, key);
	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, "\n");
	if (n >= cap)
		n = cap - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	/* tabs to spaces, trailing blanks off */
	for (char *q = val; *q; q++)
		if (*q == '\t')
			*q = ' ';
	while (n > 0 && val[n - 1] == ' ')
		val[--n] = '\0';
	return true;
}

static void test_credentials(struct server *s)
{
	if (!is_root) {
		skip("SET_GROUPS/SET_GID/SET_UID to nobody", "needs root");
		return;
	}
	struct spawn sp;
	struct outcome o;
	char out[8192], uid[64] = "", gid[64] = "", groups[64] = "", nnp[16] = "";
	spawn_init(&sp, "/bin/cat", "cat", "/proc/self/status", NULL);
	sp.options = SET_GROUPS | SET_GID | SET_UID | NO_NEW_PRIVS;
	sp.uid = 65534;
	sp.gid = 65534;
	sp.ngroups = 2;
	sp.groups[0] = 65534;
	sp.groups[1] = 100;
	run_capture(s, &sp, &o, out, sizeof out);
	status_field(out, "\nUid:", uid, sizeof uid);
	status_field(out, "\nGid:", gid, sizeof gid);
	status_field(out, "\nGroups:", groups, sizeof groups);
	status_field(out, "\nNoNewPrivs:", nnp, sizeof nnp);
	check(o.exited && o.code == 0 && strcmp(uid, "65534 65534 65534 65534") == 0 &&
	          strcmp(gid, "65534 65534 65534 65534") == 0 && strcmp(groups, "100 65534") == 0 &&
	          strcmp(nnp, "1") == 0,
	      "SET_GROUPS/SET_GID/SET_UID to nobody (+NO_NEW_PRIVS)",
	      "%s; Uid '%s' Gid '%s' Groups '%s' NoNewPrivs '%s'", describe(&o), uid, gid, groups, nnp);
	outcome_close(&o);
}

static void read_text(const char *path, char *buf, size_t cap);

/* Reads until end of file, at most cap bytes; -1 on a time-out. */
static ssize_t read_full_timeout(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t got = 0;
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	while (got < cap && poll(&pf, 1, timeout_ms) > 0) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Spawn and wait for the answer only. */
static void start(struct server *s, const struct spawn *sp, struct outcome *o)
{
	uint32_t req;
	memset(o, 0, sizeof *o);
	o->pidfd = -1;
	if (send_spawn(s, sp, &req) == 0)
		await_answer(s, req, o, 10000);
}

/* The first child in a PID namespace stays as its init; the program is pid 2. */
static struct spawn pid_ns_spawn(const char *path, const char *a1, const char *a2, const char *a3)
{
	struct spawn sp;
	spawn_init(&sp, path, path, a1, a2, a3, NULL);
	sp.ns = FULL_NS;
	sp.options = MOUNT_PROC;
	spawn_own_map(&sp);
	return sp;
}

/* The state letter of /proc/PID/stat ('?' when it cannot be read). */
static char proc_state(pid_t pid)
{
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	read_text(path, stat, sizeof stat);
	const char *paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void test_init(struct server *s)
{
	struct spawn sp;
	struct outcome o;

	/* SIGTERM to init (through the pidfd, as the JVM sends it) reaches the
	 * program; init ends with 128 + 15. */
	sp = pid_ns_spawn("/bin/sleep", "30", NULL, NULL);
	start(s, &sp, &o);
	/* Only root may look: init is not dumpable (its memory is the server's). */
	int init_fds = o.spawned && is_root ? count_fds(o.pid) : -1;
	pid_t sid = o.spawned ? getsid(o.pid) : -1;
	char comm_path[64], init_comm[64] = "";
	snprintf(comm_path, sizeof comm_path, "/proc/%d/comm", (int)o.pid);
	if (o.spawned)
		read_text(comm_path, init_comm, sizeof init_comm);
	int64_t t0 = now_us();
	bool sent = o.spawned && sys_pidfd_send_signal(o.pidfd, SIGTERM) == 0;
	await_exit(s, &o, 10000);
	double ms = (double)(now_us() - t0) / 1000.0;
	check(sent && o.exited && o.code == 128 + SIGTERM && o.sig == 0 && ms < 500,
	      "PID ns: SIGTERM to init ends the program, init exits 143",
	      "%s after %.1f ms", describe(&o), ms);
	if (is_root)
		check(init_fds == 0, "PID ns: init holds no descriptor", "%d", init_fds);
	else
		skip("PID ns: init holds no descriptor", "needs root to read a non-dumpable process's fds");
	check(sid == o.pid && sid != getsid(0), "PID ns: init leads a session of its own",
	      "sid %d, init %d, ours %d", (int)sid, (int)o.pid, (int)getsid(0));
	check(strcmp(init_comm, "spawnd-test\n") == 0, "PID ns: ps shows init by the title (comm)",
	      "comm '%s'", init_comm);
	outcome_close(&o);

	/* Any other signal too: the program's handler runs. */
	sp = pid_ns_spawn("/bin/sh", "-c", "trap 'exit 42' USR1; while :; do sleep 0.05; done", NULL);
	start(s, &sp, &o);
	usleep(200 * 1000); /* until the trap is set */
	sent = o.spawned && sys_pidfd_send_signal(o.pidfd, SIGUSR1) == 0;
	await_exit(s, &o, 10000);
	check(sent && o.exited && o.code == 42, "PID ns: SIGUSR1 is forwarded to the program",
	      "%s", describe(&o));
	outcome_close(&o);

	/* The program's exit code, unchanged. */
	sp = pid_ns_spawn("/bin/sh", "-c", "exit 7", NULL);
	run(s, &sp, &o, 10000);
	check(o.exited && o.code == 7 && o.sig == 0, "PID ns: the program's exit code 7 is init's",
	      "%s", describe(&o));
	outcome_close(&o);

	/* An orphan of the namespace is reaped: after it exits, init's only
	 * child is the program, and nothing in there is a zombie. */
	sp = pid_ns_spawn("/bin/sh", "-c", "sh -c 'sleep 0.1 &'; exec sleep 30", NULL);
	start(s, &sp, &o);
	usleep(600 * 1000);
	char path[64], children[256] = "";
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)o.pid, (int)o.pid);
	read_text(path, children, sizeof children);
	int nchildren = 0;
	bool zombie = false;
	for (char *tok = strtok(children, " \n"); tok; tok = strtok(NULL, " \n")) {
		nchildren++;
		zombie |= proc_state((pid_t)atoi(tok)) == 'Z';
	}
	if (o.spawned)
		sys_pidfd_send_signal(o.pidfd, SIGKILL);
	await_exit(s, &o, 10000);
	check(o.spawned && nchildren == 1 && !zombie, "PID ns: an orphan is reaped by init, no zombie",
	      "%d child(ren) of init, zombie %d; %s", nchildren, zombie, describe(&o));
	outcome_close(&o);

	/* Init's memory is the server's (as root) or a copy of it: root in the
	 * namespace may not read it, nor look at its mappings, even after other
	 * spawns changed ids (in the server's memory) while init runs. */
	sp = pid_ns_spawn("/bin/sh", "-c",
	                  "sleep 0.3; cat /proc/1/environ >/dev/null 2>&1 && echo environ; "
	                  "cat /proc/1/maps >/dev/null 2>&1 && echo maps; "
	                  "head -c 1 /proc/1/mem >/dev/null 2>&1 && echo mem; echo done", NULL);
	if (is_root) {
		sp.n_uidmap = sp.n_gidmap = 1;
		sp.uidmap[0][0] = sp.gidmap[0][0] = 0;
		sp.uidmap[0][1] = sp.gidmap[0][1] = 100000;
		sp.uidmap[0][2] = sp.gidmap[0][2] = 65536;
		sp.setgroups_mode = SG_ALLOW;
		sp.options |= SET_GROUPS | SET_GID | SET_UID;
		sp.ngroups = 1;
	}
	int p[2];
	char out[256] = "";
	bool piped = pipe2(p, O_CLOEXEC) == 0;
	if (piped)
		sp.fds[1] = p[1];
	start(s, &sp, &o);
	if (piped)
		close(p[1]);
	if (is_root) {
		struct spawn other;
		struct outcome oo;
		spawn_init(&other, "/bin/true", "true", NULL);
		other.options = SET_GROUPS | SET_GID | SET_UID;
		other.uid = other.gid = 65534;
		run(s, &other, &oo, 10000);
		outcome_close(&oo);
	}
	ssize_t got = piped ? read_full_timeout(p[0], out, sizeof out - 1, 10000) : -1;
	out[got > 0 ? got : 0] = '\0';
	if (piped)
		close(p[0]);
	await_exit(s, &o, 10000);
	check(o.exited && o.code == 0 && strcmp(out, "done\n") == 0,
	      "PID ns: root inside cannot read init's memory, environment or mappings", "%s; output '%s'",
	      describe(&o), out);
	outcome_close(&o);

	/* A program that cannot start is reported as before: step and errno. */
	sp = pid_ns_spawn("/no/such", NULL, NULL, NULL);
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == ENOENT && strcmp(o.step, "execve /no/such") == 0 &&
	          o.pid > 0 && process_gone(o.pid),
	      "PID ns: missing executable: FAILED ENOENT 'execve /no/such', init reaped", "%s", describe(&o));
	outcome_close(&o);

	/* Without a PID namespace the child leads its own session too. */
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	start(s, &sp, &o);
	sid = o.spawned ? getsid(o.pid) : -1;
	if (o.spawned)
		sys_pidfd_send_signal(o.pidfd, SIGKILL);
	await_exit(s, &o, 10000);
	check(sid == o.pid && sid != getsid(0), "plain child leads a session of its own",
	      "sid %d, child %d, ours %d", (int)sid, (int)o.pid, (int)getsid(0));
	outcome_close(&o);
}

/*
 * Capabilities mode: the JVM (here, this driver) runs as an ordinary user
 * with CAP_SETUID and CAP_SETGID, as Unit allows.  Every spawn must work,
 * not only the first: a child that changes its ids while it shares the
 * server's memory leaves that memory non-dumpable, and the server must not
 * lose the /proc files of the children after it.
 */
static void test_caps_mode(struct server *s)
{
	struct spawn sp;
	struct outcome o;
	char out[8192], uid[64], gid[64], groups[64];
	int good = 0;
	char first_bad[4800] = "";
	for (int i = 0; i < 20; i++) {
		spawn_init(&sp, "/bin/cat", "cat", "/proc/self/status", NULL);
		sp.ns = NS_USER;
		sp.options = SET_GROUPS | SET_GID | SET_UID;
		sp.uid = sp.gid = 65534;
		sp.ngroups = 1;
		sp.groups[0] = 65534;
		sp.n_uidmap = sp.n_gidmap = 1;
		sp.uidmap[0][0] = sp.gidmap[0][0] = 0;
		sp.uidmap[0][1] = sp.gidmap[0][1] = 100000;
		sp.uidmap[0][2] = sp.gidmap[0][2] = 65536;
		sp.setgroups_mode = SG_ALLOW;
		run_capture(s, &sp, &o, out, sizeof out);
		uid[0] = gid[0] = groups[0] = '\0';
		status_field(out, "\nUid:", uid, sizeof uid);
		status_field(out, "\nGid:", gid, sizeof gid);
		status_field(out, "\nGroups:", groups, sizeof groups);
		bool ok = o.exited && o.code == 0 && strcmp(uid, "65534 65534 65534 65534") == 0 &&
		          strcmp(gid, "65534 65534 65534 65534") == 0 && strcmp(groups, "65534") == 0;
		if (ok)
			good++;
		else if (first_bad[0] == '\0')
			snprintf(first_bad, sizeof first_bad, "spawn %d: %s; Uid '%s' Gid '%s' Groups '%s'", i + 1,
			         describe(&o), uid, gid, groups);
		outcome_close(&o);
	}
	check(good == 20, "capabilities mode: 20 credential-namespace spawns as nobody, ids exact",
	      "%d of 20 %s", good, first_bad);

	/* Seen from the host, the child's ids are the mapped ones. */
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	sp.ns = NS_USER;
	sp.options = SET_GID | SET_UID;
	sp.uid = sp.gid = 0;
	sp.n_uidmap = sp.n_gidmap = 1;
	sp.uidmap[0][0] = sp.gidmap[0][0] = 0;
	sp.uidmap[0][1] = sp.gidmap[0][1] = 100000;
	sp.uidmap[0][2] = sp.gidmap[0][2] = 65536;
	sp.setgroups_mode = SG_ALLOW;
	start(s, &sp, &o);
	char path[64], status[8192] = "";
	snprintf(path, sizeof path, "/proc/%d/status", (int)o.pid);
	if (o.spawned)
		read_text(path, status, sizeof status);
	uid[0] = gid[0] = '\0';
	status_field(status, "\nUid:", uid, sizeof uid);
	status_field(status, "\nGid:", gid, sizeof gid);
	if (o.spawned)
		sys_pidfd_send_signal(o.pidfd, SIGKILL);
	await_exit(s, &o, 10000);
	check(strcmp(uid, "100000 100000 100000 100000") == 0 && strcmp(gid, "100000 100000 100000 100000") == 0,
	      "capabilities mode: uid 0 inside is host uid 100000", "%s; host view Uid '%s' Gid '%s'",
	      describe(&o), uid, gid);
	outcome_close(&o);
}

/* Ignored signals survive execve: the child must not inherit the server's
 * (its own SIGPIPE, the SIGHUP and signal 33 it inherited), nor any blocked
 * signal. */
static void test_signals(struct server *s)
{
	struct spawn sp;
	struct outcome o;
	char out[8192], ign[64] = "", blk[64] = "";
	spawn_init(&sp, "/bin/cat", "cat", "/proc/self/status", NULL);
	run_capture(s, &sp, &o, out, sizeof out);
	status_field(out, "\nSigIgn:", ign, sizeof ign);
	status_field(out, "\nSigBlk:", blk, sizeof blk);
	check(o.exited && o.code == 0 && strcmp(ign, "0000000000000000") == 0 &&
	          strcmp(blk, "0000000000000000") == 0,
	      "child starts with every signal at SIG_DFL and none blocked",
	      "%s; SigIgn '%s' SigBlk '%s'", describe(&o), ign, blk);
	outcome_close(&o);
}

/* The server runs with a short time slice (Linux 6.12+); its children must
 * get the default one, the one this driver has. */
/* The contents of a small file, NUL-terminated; "" when it cannot be read. */
static void read_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/* One field of a /proc/PID/FILE as this driver, a child of the server
 * (cat /proc/self/FILE) and the server see it; each "" when absent. */
struct three_views {
	char here[256], child[256], server[256];
};

static void proc_field_three_ways(struct server *s, const char *file, const char *key, struct three_views *v,
                                  struct outcome *o)
{
	char text[8192], path[64];
	snprintf(path, sizeof path, "/proc/self/%s", file);
	read_text(path, text, sizeof text);
	v->here[0] = v->child[0] = v->server[0] = '\0';
	status_field(text, key, v->here, sizeof v->here);
	struct spawn sp;
	spawn_init(&sp, "/bin/cat", "cat", path, NULL);
	run_capture(s, &sp, o, text, sizeof text);
	status_field(text, key, v->child, sizeof v->child);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)s->pid, file);
	read_text(path, text, sizeof text);
	status_field(text, key, v->server, sizeof v->server);
}

static void test_time_slice(struct server *s)
{
	const char *name = "child runs with the default time slice, not the server's short one";
	struct three_views v;
	struct outcome o;
	proc_field_three_ways(s, "sched", "\nse.slice", &v, &o);
	if (!v.here[0])
		skip(name, "no se.slice in /proc/self/sched");
	else
		check(o.exited && o.code == 0 && strcmp(v.here, v.child) == 0 && strcmp(v.server, v.here) != 0, name,
		      "%s; slice here '%s', child '%s', server '%s'", describe(&o), v.here, v.child, v.server);
	outcome_close(&o);
}

static void test_descriptors(struct server *s)
{
	struct spawn sp;
	struct outcome bg, o;
	/* something else the server watches, so it holds another pidfd */
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	uint32_t req;
	send_spawn(s, &sp, &req);
	await_answer(s, req, &bg, 10000);

	int extra[2];
	if (pipe2(extra, O_CLOEXEC) != 0)
		return;
	char out[4096];
	spawn_init(&sp, "/bin/ls", "ls", "-l", "/proc/self/fd", NULL);
	sp.fds[3] = devnull;
	sp.fds[4] = extra[0];
	sp.nfds = 5;
	run_capture(s, &sp, &o, out, sizeof out);
	close(extra[0]);
	close(extra[1]);

	/* expect exactly 0..4, plus the directory ls itself has open */
	bool seen[5] = { false };
	int others = 0;
	char bad[512] = "";
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " -> ");
		if (!arrow)
			continue;
		char *num = arrow;
		while (num > line && num[-1] != ' ')
			num--;
		int fd = atoi(num);
		const char *target = arrow + 4;
		bool expected_target =
			(fd == 1 || fd == 4) ? strncmp(target, "pipe:", 5) == 0 : strcmp(target, "/dev/null") == 0;
		if (fd == 2)
			expected_target = true; /* our stderr, whatever it is */
		if (fd >= 0 && fd < 5 && expected_target) {
			seen[fd] = true;
		} else if (strncmp(target, "/proc/", 6) == 0 && others == 0) {
			others++; /* ls's own directory handle */
		} else {
			size_t used = strlen(bad);
			snprintf(bad + used, sizeof bad - used, " %d->%s", fd, target);
		}
	}
	check(o.exited && o.code == 0 && seen[0] && seen[1] && seen[2] && seen[3] && seen[4] &&
	          bad[0] == '\0',
	      "child holds only fds 0..4 it was given", "%s; unexpected:%s", describe(&o),
	      bad[0] ? bad : " none");
	outcome_close(&o);

	/* the JVM-side copy of a pidfd can kill */
	bool killed = bg.spawned && bg.pidfd >= 0 && sys_pidfd_send_signal(bg.pidfd, SIGKILL) == 0;
	await_exit(s, &bg, 10000);
	check(killed && bg.exited && bg.sig == SIGKILL, "kill via the SPAWNED pidfd reports signal 9",
	      "%s", describe(&bg));
	outcome_close(&bg);
}

/* ------------------------------------------------------------------------ */
/* pipes the server makes (PIPE_*, STDERR_TO_STDOUT)                         */
/* ------------------------------------------------------------------------ */

/* SPAWNED or FAILED for req; on SPAWNED, the pidfd and the pipe ends that follow it. */
struct piped {
	struct outcome o;
	int ends[4];
	int nends;
};

static void await_piped(struct server *s, uint32_t req, struct piped *p)
{
	struct msg m;
	memset(p, 0, sizeof *p);
	p->o.pidfd = -1;
	if (await(s, SPAWNED, req, &m, 10000) != 0)
		return;
	p->o.answered = true;
	if (m.w[0] == SPAWNED && m.len == 16 && m.nfds >= 1) {
		p->o.spawned = true;
		p->o.pid = (int32_t)m.w[2];
		p->o.ns_pid = (int32_t)m.w[3];
		p->o.pidfd = m.fds[0];
		for (int i = 1; i < m.nfds && p->nends < 4; i++)
			p->ends[p->nends++] = m.fds[i];
	} else {
		if (m.w[0] == FAILED && m.len > 16) {
			p->o.err = (int32_t)m.w[2];
			size_t n = m.len - 16 < sizeof p->o.step - 1 ? m.len - 16 : sizeof p->o.step - 1;
			memcpy(p->o.step, MSG_BYTES(&m) + 16, n);
			p->o.step[n] = '\0';
		}
		p->nends = -m.nfds; /* a FAILED must carry none: reported as a negative count */
		for (int i = 0; i < m.nfds; i++)
			close(m.fds[i]);
	}
}

/* Everything until end of file on a non-blocking descriptor, polling. */
static size_t drain(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	while (got + 1 < cap && poll(&pf, 1, 10000) > 0) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

/* sp with its stdout piped and stderr into it (only stdin is sent): the
 * output read to its end into out, then the exit awaited. */
static void run_merged(struct server *s, struct spawn *sp, struct piped *p, char *out, size_t cap)
{
	uint32_t req;
	sp->options = PIPE_STDOUT | STDERR_TO_STDOUT;
	sp->nfds = 1;
	sp->nfds_override = 3;
	send_spawn(s, sp, &req);
	await_piped(s, req, p);
	if (p->o.spawned && p->nends == 1) {
		drain(p->ends[0], out, cap);
		close(p->ends[0]);
	} else {
		out[0] = '\0';
	}
	await_exit(s, &p->o, 10000);
}

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

static void test_pipes(struct server *s)
{
	struct spawn sp;
	struct piped p;
	uint32_t req;
	char out[256], err[256];

	/* all three piped, in a full set of namespaces when the kernel lets us */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "echo out; echo err >&2; read x; echo got $x", NULL);
	sp.options = PIPE_STDIN | PIPE_STDOUT | PIPE_STDERR;
	if ((expected_ns_mask() & FULL_NS) == FULL_NS) {
		sp.ns = FULL_NS;
		spawn_own_map(&sp);
		sp.options |= MOUNT_PROC;
	}
	sp.nfds = 0;
	sp.nfds_override = 3;
	send_spawn(s, &sp, &req);
	await_piped(s, req, &p);
	bool three = p.o.spawned && p.nends == 3;
	bool nb = three && nonblocking(p.ends[0]) && nonblocking(p.ends[1]) && nonblocking(p.ends[2]);
	bool wrote = three && write(p.ends[0], "hello\n", 6) == 6;
	if (three)
		close(p.ends[0]); /* end of file for the child's read */
	if (three) {
		drain(p.ends[1], out, sizeof out);
		drain(p.ends[2], err, sizeof err);
		close(p.ends[1]);
		close(p.ends[2]);
	} else {
		out[0] = err[0] = '\0';
	}
	await_exit(s, &p.o, 10000);
	check(three && nb && wrote && strcmp(out, "out\ngot hello\n") == 0 && strcmp(err, "err\n") == 0 &&
	          p.o.exited && p.o.code == 0,
	      "pipes: SPAWNED carries non-blocking stdin, stdout and stderr ends that work",
	      "%s; %d ends, non-blocking %d, stdout '%s' stderr '%s'", describe(&p.o), p.nends, nb, out, err);
	outcome_close(&p.o);

	/* a piped stdout, stderr into it */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "echo a; echo b >&2; echo c", NULL);
	run_merged(s, &sp, &p, out, sizeof out);
	check(p.nends == 1 && strcmp(out, "a\nb\nc\n") == 0 && p.o.exited && p.o.code == 0,
	      "pipes: STDERR_TO_STDOUT merges stderr into the piped stdout", "%s; %d ends, '%s'",
	      describe(&p.o), p.nends, out);
	outcome_close(&p.o);

	/* stderr into a stdout the JVM sent (a file, say): no pipe, fd 2 is fd 1 */
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) == 0) {
		spawn_init(&sp, "/bin/sh", "sh", "-c", "echo x; echo y >&2", NULL);
		sp.options = STDERR_TO_STDOUT;
		sp.fds[1] = fds[1];
		sp.nfds = 2;
		sp.nfds_override = 3;
		send_spawn(s, &sp, &req);
		close(fds[1]);
		await_piped(s, req, &p);
		drain(fds[0], out, sizeof out);
		close(fds[0]);
		await_exit(s, &p.o, 10000);
		check(p.nends == 0 && strcmp(out, "x\ny\n") == 0 && p.o.exited && p.o.code == 0,
		      "pipes: STDERR_TO_STDOUT without a pipe makes fd 2 the fd 1 sent", "%s; '%s'", describe(&p.o),
		      out);
		outcome_close(&p.o);
	}

	/* a child that closes its stdout early: our end sees end of file while it runs on */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "exec >&-; sleep 0.2", NULL);
	sp.options = PIPE_STDOUT;
	sp.fds[1] = sp.fds[2];
	sp.nfds = 2;
	sp.nfds_override = 3;
	send_spawn(s, &sp, &req);
	await_piped(s, req, &p);
	bool eof_early = false;
	if (p.o.spawned && p.nends == 1) {
		struct pollfd pf = { .fd = p.ends[0], .events = POLLIN };
		eof_early = poll(&pf, 1, 5000) == 1 && read(p.ends[0], out, sizeof out) == 0 &&
		            !process_gone(p.o.pid);
		close(p.ends[0]);
	}
	await_exit(s, &p.o, 10000);
	check(eof_early && p.o.exited && p.o.code == 0, "pipes: a child that closes stdout early gives end of file",
	      "%s", describe(&p.o));
	outcome_close(&p.o);

	/* malformed */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.options = PIPE_STDERR | STDERR_TO_STDOUT;
	sp.nfds = 2;
	sp.nfds_override = 3;
	send_spawn(s, &sp, &req);
	await_piped(s, req, &p);
	check(p.o.answered && !p.o.spawned && p.o.err == EINVAL &&
	          strcmp(p.o.step, "decoding spawn request: PIPE_STDERR and STDERR_TO_STDOUT both ask for fd 2") == 0,
	      "pipes: PIPE_STDERR with STDERR_TO_STDOUT is refused", "%s", describe(&p.o));
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.options = PIPE_STDOUT;
	sp.nfds_override = 3; /* three sent, but the server makes one */
	send_spawn(s, &sp, &req);
	await_piped(s, req, &p);
	check(p.o.answered && !p.o.spawned && p.o.err == EINVAL &&
	          strcmp(p.o.step, "decoding spawn request: nfds 3, 1 of them made by the server, but 3 "
	                           "descriptors received") == 0,
	      "pipes: a descriptor sent for a slot the server fills is refused", "%s", describe(&p.o));

	/* refused spawns and many spawns leave the server no descriptor, and a FAILED carries none */
	int before = count_fds(s->pid);
	int bad_refusals = 0, bad_runs = 0;
	for (int i = 0; i < 100; i++) {
		spawn_init(&sp, "/nonexistent/program", "x", NULL);
		sp.options = PIPE_STDIN | PIPE_STDOUT | PIPE_STDERR;
		sp.nfds = 0;
		sp.nfds_override = 3;
		send_spawn(s, &sp, &req);
		await_piped(s, req, &p);
		if (!(p.o.answered && !p.o.spawned && p.o.err == ENOENT && p.nends == 0))
			bad_refusals++;
		spawn_init(&sp, "/bin/echo", "echo", "hi", NULL);
		run_merged(s, &sp, &p, out, sizeof out);
		if (!(p.o.exited && strcmp(out, "hi\n") == 0))
			bad_runs++;
		outcome_close(&p.o);
	}
	int after = count_fds(s->pid);
	check(bad_refusals == 0 && bad_runs == 0 && before > 0 && before == after,
	      "pipes: 100 refused and 100 piped spawns, server fd count unchanged",
	      "%d bad refusals, %d bad runs, fds before %d after %d", bad_refusals, bad_runs, before, after);
}

static void test_malformed(struct server *s)
{
	struct spawn sp;
	struct outcome o;
	uint32_t req;
	static unsigned char buf[65536];

	/* argc says 5, only 3 argv strings */
	spawn_init(&sp, "/bin/echo", "echo", "a", "b", NULL);
	sp.envp[0] = NULL;
	sp.argc_override = 5;
	send_spawn(s, &sp, &req);
	await_answer(s, req, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL &&
	          strcmp(o.step, "decoding spawn request: argc 5 but 3 strings") == 0,
	      "malformed: argc larger than the strings", "%s", describe(&o));

	/* nfds says 4, 3 descriptors sent */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.nfds_override = 4;
	send_spawn(s, &sp, &req);
	await_answer(s, req, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL &&
	          strcmp(o.step, "decoding spawn request: nfds 4 but 3 descriptors received") == 0,
	      "malformed: nfds mismatch", "%s", describe(&o));

	/* last string without its NUL */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.unterminated = true;
	send_spawn(s, &sp, &req);
	await_answer(s, req, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL &&
	          strstr(o.step, "not NUL-terminated") != NULL,
	      "malformed: unterminated string", "%s", describe(&o));

	/* a header cut short */
	uint32_t shorty[5] = { SPAWN, 4242, 0, 0, 0 };
	send_raw(s->sock, shorty, sizeof shorty, sp.fds, 3);
	await_answer(s, 4242, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL &&
	          strcmp(o.step, "decoding spawn request: 20 bytes, shorter than the 72-byte header") == 0,
	      "malformed: short header", "%s", describe(&o));

	/* absurd counts */
	spawn_init(&sp, "/bin/true", "true", NULL);
	size_t len = encode_spawn(&sp, 4343, buf);
	uint32_t big = 0x7fffffff;
	memcpy(buf + 6 * 4, &big, 4);  /* ngroups */
	memcpy(buf + 11 * 4, &big, 4); /* argc */
	send_raw(s->sock, buf, len, sp.fds, 3);
	await_answer(s, 4343, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL && strncmp(o.step, "decoding spawn request:", 23) == 0,
	      "malformed: huge counts", "%s", describe(&o));
	len = encode_spawn(&sp, 4344, buf);
	memcpy(buf + 8 * 4, &big, 4); /* n_uidmap */
	send_raw(s->sock, buf, len, sp.fds, 3);
	await_answer(s, 4344, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL && strncmp(o.step, "decoding spawn request:", 23) == 0,
	      "malformed: huge map count", "%s", describe(&o));

	/* large messages: ~200 KiB fits, over 256 KiB is refused */
	static char big_a[100001], big_b[100001], big_c[100001];
	memset(big_a, 'a', 100000);
	memcpy(big_a, "A=", 2);
	memset(big_b, 'b', 100000);
	memcpy(big_b, "B=", 2);
	memset(big_c, 'c', 100000);
	memcpy(big_c, "C=", 2);
	char out[256];
	spawn_init(&sp, "/bin/sh", "sh", "-c", "echo ${#A} ${#B}", NULL);
	sp.envp[0] = big_a;
	sp.envp[1] = big_b;
	run_capture(s, &sp, &o, out, sizeof out);
	check(o.exited && o.code == 0 && strcmp(out, "99998 99998\n") == 0,
	      "a 200 KB SPAWN message works", "%s; output '%.*s'", describe(&o), (int)strcspn(out, "\n"), out);
	outcome_close(&o);
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.envp[0] = big_a;
	sp.envp[1] = big_b;
	sp.envp[2] = big_c;
	send_spawn(s, &sp, &req);
	await_answer(s, req, &o, 5000);
	check(o.answered && !o.spawned && o.err == EINVAL &&
	          strcmp(o.step, "decoding spawn request: message longer than 262144 bytes") == 0,
	      "malformed: message over 256 KiB", "%s", describe(&o));

	/* unknown type and an empty datagram are ignored, not fatal */
	uint32_t odd[2] = { 77, 1 };
	send_raw(s->sock, odd, sizeof odd, NULL, 0);
	send_raw(s->sock, "", 0, NULL, 0);

	spawn_init(&sp, "/bin/true", "true", NULL);
	run(s, &sp, &o, 10000);
	check(o.exited && o.code == 0, "server still serves after malformed requests", "%s", describe(&o));
	outcome_close(&o);
}

static void test_fd_leak(struct server *s)
{
	int before = count_fds(s->pid);
	struct spawn sp;
	struct outcome o;
	spawn_init(&sp, "/bin/true", "true", NULL);
	int bad = 0;
	for (int i = 0; i < 1000; i++) {
		run(s, &sp, &o, 10000);
		if (!(o.exited && o.code == 0))
			bad++;
		outcome_close(&o);
	}
	int after = count_fds(s->pid);
	char list[1024];
	server_extra_fds(s->pid, list, sizeof list);
	check(bad == 0 && before > 0 && before == after, "1000 sequential spawns: server fd count unchanged",
	      "%d failures, fds before %d after %d (beyond 0-3 and epoll:%s)", bad, before, after, list);
}

/* What a batch of children reading one gate pipe did. */
struct gated {
	int spawned, running, ok;
};

/* Spawns n copies of sp (a cat) reading one pipe, so that all run at once;
 * counts those running together, then closes the pipe and counts those
 * that exited 0. */
static struct gated run_gated(struct server *s, struct spawn *sp, int n)
{
	struct gated g = { 0, 0, 0 };
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) != 0)
		return g;
	sp->fds[0] = gate[0];
	int32_t *pids = calloc((size_t)n, sizeof *pids);
	for (int i = 0; pids && i < n; i++) {
		struct outcome o;
		start(s, sp, &o);
		if (o.spawned)
			pids[g.spawned++] = o.pid;
		outcome_close(&o);
	}
	close(gate[0]);
	sp->fds[0] = devnull;
	for (int i = 0; i < g.spawned; i++)
		g.running += kill(pids[i], 0) == 0;
	close(gate[1]); /* every cat sees end of file */
	for (int i = 0; i < g.spawned; i++) {
		struct outcome o = { .spawned = true, .pid = pids[i], .pidfd = -1 };
		await_exit(s, &o, 10000);
		g.ok += o.exited && o.code == 0;
	}
	free(pids);
	return g;
}

static void test_concurrent(struct server *s)
{
	enum { N = 1000 };
	struct spawn sp;
	spawn_init(&sp, "/bin/cat", "cat", NULL);
	struct gated g = run_gated(s, &sp, N);
	check(g.spawned == N && g.running == N && g.ok == N, "1000 concurrent children",
	      "%d spawned, %d running together, %d exited 0", g.spawned, g.running, g.ok);
}

/* A KiB field of /proc/PID/status, -1 if unreadable. */
static long status_kib(pid_t pid, const char *key)
{
	char path[64], text[8192], val[64] = "";
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	read_text(path, text, sizeof text);
	return status_field(text, key, val, sizeof val) ? atol(val) : -1;
}

/* Many inits at once: each has a stack of the server's (a cache keeps at
 * most 64 spare); afterwards the server holds no more descriptors and no
 * more than that cache in memory. */
static void test_concurrent_inits(struct server *s)
{
	enum { N = 200 };
	char before_list[512], after_list[512];
	int fds_before = server_extra_fds(s->pid, before_list, sizeof before_list);
	long vm_before = status_kib(s->pid, "\nVmSize:");
	struct spawn sp = pid_ns_spawn("/bin/cat", NULL, NULL, NULL);
	struct gated g = run_gated(s, &sp, N); /* every init ends with its cat */
	int fds_after = server_extra_fds(s->pid, after_list, sizeof after_list);
	long vm_after = status_kib(s->pid, "\nVmSize:");
	long stacks_kib = (long)MAX_SPARE_STACKS * 136; /* a stack mapping: 2 guard pages and 2 x 64 KiB */
	check(g.spawned == N && g.running == N && g.ok == N && fds_after == fds_before &&
	          vm_after - vm_before <= stacks_kib,
	      "200 concurrent PID-namespace children: every init gone, no descriptor or stack kept beyond the cache",
	      "%d spawned, %d running together, %d exited 0; server fds %d -> %d (%s); VmSize %ld -> %ld KiB",
	      g.spawned, g.running, g.ok, fds_before, fds_after, after_list, vm_before, vm_after);
}

static void test_adopt(void)
{
	/* We become the reaper of A's orphans, as a service manager would be. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct server a, b;
	struct spawn sp;
	struct outcome o;
	if (server_start(&a, "clone") != 0) {
		check(false, "ADOPT", "server A did not start");
		return;
	}
	spawn_init(&sp, "/bin/sleep", "sleep", "1", NULL);
	uint32_t req;
	send_spawn(&a, &sp, &req);
	await_answer(&a, req, &o, 10000);
	uint32_t detach = DETACH;
	send_raw(a.sock, &detach, sizeof detach, NULL, 0);
	int st = server_wait(&a, 5000);
	bool a_exited = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	a.pid = 0;
	server_stop(&a);
	bool alive = o.spawned && sys_pidfd_send_signal(o.pidfd, 0) == 0;
	check(a_exited && alive, "DETACH: server exits 0, child survives", "server status %d, %s, alive %d",
	      st, describe(&o), alive);

	if (server_start(&b, "clone") != 0 || !o.spawned) {
		check(false, "ADOPT", "server B did not start");
		outcome_close(&o);
		return;
	}
	int32_t msg[2] = { ADOPT, o.pid };
	send_raw(b.sock, msg, sizeof msg, &o.pidfd, 1);
	/* sleep is now our child: reap it when it ends, as a reaper does */
	waitpid(o.pid, NULL, 0);
	await_exit(&b, &o, 8000);
	check(o.exited && o.code == 0 && o.sig == 0 && o.known == 1,
	      "ADOPT: EXITED from a second server for a process it did not create", "%s", describe(&o));
	outcome_close(&o);
	server_stop(&b);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);

	/* Without our help: the orphan goes to init, which reaps when it likes. */
	if (server_start(&a, "clone") != 0)
		return;
	spawn_init(&sp, "/bin/sleep", "sleep", "0.3", NULL);
	send_spawn(&a, &sp, &req);
	await_answer(&a, req, &o, 10000);
	send_raw(a.sock, &detach, sizeof detach, NULL, 0);
	server_wait(&a, 5000);
	a.pid = 0;
	server_stop(&a);
	if (server_start(&b, "clone") != 0 || !o.spawned)
		return;
	int32_t msg2[2] = { ADOPT, o.pid };
	int64_t t0 = now_us();
	send_raw(b.sock, msg2, sizeof msg2, &o.pidfd, 1);
	await_exit(&b, &o, 8000);
	check(o.exited, "ADOPT: orphan reaped by init is reported",
	      "%s after %.1f s (status_known 0 means init did not reap within 5 s)", describe(&o),
	      (double)(now_us() - t0) / 1e6);
	outcome_close(&o);
	server_stop(&b);
}

static void test_affinity(struct server *s)
{
	const char *name = "the child and the server keep every CPU they may use";
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2) {
		skip(name, "one CPU: the server never pins itself");
		return;
	}
	struct three_views v;
	struct outcome o;
	proc_field_three_ways(s, "status", "\nCpus_allowed_list", &v, &o);
	check(o.exited && o.code == 0 && v.here[0] && strcmp(v.here, v.child) == 0 && strcmp(v.here, v.server) == 0,
	      name, "%s; CPUs here '%s', child '%s', server after the spawn '%s'", describe(&o), v.here, v.child,
	      v.server);
	outcome_close(&o);
}

/* What the server probes before it holds exit reports: does pidfs keep the
 * status of a reaped process (Linux 6.15+)? */
static bool pidfs_keeps_exit_status(void)
{
	unsigned char info[72]; /* struct pidfd_info: mask at 0, exit_code at 60 */
	uint64_t mask = 1u << 3; /* PIDFD_INFO_EXIT */
	int32_t status = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(42);
	if (pid < 0)
		return false;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	waitpid(pid, NULL, 0);
	if (pidfd < 0)
		return false;
	memset(info, 0, sizeof info);
	memcpy(info, &mask, sizeof mask);
	bool kept = ioctl(pidfd, _IOWR(0xFF, 11, info), info) == 0; /* PIDFD_GET_INFO */
	memcpy(&mask, info, sizeof mask);
	memcpy(&status, info + 60, sizeof status);
	kept = kept && (mask & (1u << 3)) && WIFEXITED(status) && WEXITSTATUS(status) == 42;
	close(pidfd);
	return kept;
}

static void test_held_exits(void)
{
	/* --hold-exits needs an events socket to send on when no reply comes. */
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(server_path, "corral-spawnd", "clone", "--hold-exits", "5", (char *)NULL);
		_exit(127);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 2, "--hold-exits without --events-fd: usage error",
	      "status 0x%x", st);

	const char *name = "held exit reports";
	if (!pidfs_keeps_exit_status()) {
		skip(name, "this kernel keeps no exit status for a pidfd (before 6.15), so nothing is held");
		return;
	}
	enum { HOLD_MS = 1000 };
	struct server s;
	if (server_launch(&s, "clone", HOLD_MS) != 0) {
		check(false, name, "server did not start");
		return;
	}
	struct spawn sp;
	struct outcome a, b, c;
	struct msg m;
	uint32_t req;
	spawn_init(&sp, "/bin/true", "true", NULL);
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &a, 10000);
	bool reaped = a.spawned && pidfd_wait(a.pidfd, 5000, true);
	bool sent_at_once = recv_msg(s.events, &m, 100) == 0;
	send_spawn(&s, &sp, &req);
	bool carried = recv_msg(s.sock, &m, 10000) == 0 && m.len == 20 && m.w[0] == EXITED &&
	               (pid_t)m.w[1] == a.pid && m.w[2] == 0 && m.w[3] == 0 && m.w[4] == 1;
	await_answer(&s, req, &b, 10000);
	check(reaped && !sent_at_once && carried && b.spawned,
	      "held exit report: carried ahead of the next spawn's reply, on the control socket",
	      "reaped %d, sent at once %d, EXITED first on the control socket %d, next spawn %s", reaped,
	      sent_at_once, carried, describe(&b));

	reaped = b.spawned && pidfd_wait(b.pidfd, 5000, true);
	int64_t t0 = now_us();
	bool due = recv_msg(s.events, &m, 5000) == 0 && m.len == 20 && m.w[0] == EXITED && (pid_t)m.w[1] == b.pid;
	double waited_ms = (double)(now_us() - t0) / 1000;
	check(reaped && due && waited_ms > HOLD_MS / 2 && waited_ms < HOLD_MS * 3,
	      "held exit report: sent on the events socket once due, with no spawn to carry it",
	      "reaped %d, EXITED %d after %.0f ms (held for %d ms)", reaped, due, waited_ms, HOLD_MS);

	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &c, 10000);
	reaped = c.spawned && pidfd_wait(c.pidfd, 5000, true);
	uint32_t detach = DETACH;
	t0 = now_us();
	send_raw(s.sock, &detach, sizeof detach, NULL, 0);
	bool flushed = recv_msg(s.events, &m, 5000) == 0 && m.len == 20 && m.w[0] == EXITED &&
	               (pid_t)m.w[1] == c.pid;
	waited_ms = (double)(now_us() - t0) / 1000;
	st = server_wait(&s, 5000);
	check(reaped && flushed && waited_ms < HOLD_MS / 2 && st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "held exit report: sent before the server leaves on DETACH",
	      "reaped %d, EXITED %d after %.0f ms, server status 0x%x", reaped, flushed, waited_ms, st);
	outcome_close(&a);
	outcome_close(&b);
	outcome_close(&c);
	s.pid = 0;
	server_stop(&s);
}

static void test_eof(void)
{
	struct server s;
	struct spawn sp;
	struct outcome o;
	if (server_start(&s, "clone") != 0) {
		check(false, "EOF kills children", "server did not start");
		return;
	}
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	uint32_t req;
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &o, 10000);
	close(s.sock);
	s.sock = -1;
	int64_t t0 = now_us();
	bool dead = o.spawned && pidfd_wait(o.pidfd, 1000, true);
	double secs = (double)(now_us() - t0) / 1e6;
	int st = server_wait(&s, 5000);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", o.pid);
	check(dead && access(path, F_OK) != 0 && st >= 0, "EOF: sleep 30 killed and reaped within 1 s",
	      "%s, gone+reaped %d after %.3f s, server status %d", describe(&o), dead, secs, st);
	outcome_close(&o);
	s.pid = 0;
	server_stop(&s);
}

static void test_pdeath(void)
{
	struct server s;
	struct spawn sp;
	struct outcome o, o2;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (server_start(&s, "clone") != 0) {
		check(false, "parent-death signal", "server did not start");
		return;
	}
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	sp.pdeath = SIGKILL;
	uint32_t req;
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &o, 10000);
	spawn_init(&sp, "/bin/sleep", "sleep", "30", NULL);
	sp.pdeath = SIGKILL;
	sp.ns = NS_USER | NS_PID;
	spawn_own_map(&sp);
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &o2, 10000);
	kill(s.pid, SIGKILL); /* no EOF handling: only the kernel can help */
	bool d1 = o.spawned && pidfd_wait(o.pidfd, 1000, false);
	bool d2 = o2.spawned && pidfd_wait(o2.pidfd, 1000, false);
	char first[4600];
	snprintf(first, sizeof first, "%s", describe(&o));
	check(d1 && d2, "pdeath_signal: children die with a SIGKILLed server (also in a PID ns)",
	      "plain %s dead %d; pid-ns %s dead %d", first, d1, describe(&o2), d2);
	if (o.spawned)
		waitpid(o.pid, NULL, 0);
	if (o2.spawned)
		waitpid(o2.pid, NULL, 0);
	outcome_close(&o);
	outcome_close(&o2);
	server_stop(&s);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

/* ------------------------------------------------------------------------ */
/* timings                                                                   */
/* ------------------------------------------------------------------------ */

/* One batch of n round trips; returns microseconds per round trip. */
static double batch_server(struct server *s, const struct spawn *sp, int n, int *failures)
{
	struct outcome o;
	int64_t t0 = now_us();
	for (int i = 0; i < n; i++) {
		run(s, sp, &o, 10000);
		if (!(o.exited && o.code == 0))
			(*failures)++;
		outcome_close(&o);
	}
	return (double)(now_us() - t0) / n;
}

static double batch_posix_spawn(int n, int *failures)
{
	char *argv[] = { "true", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	int64_t t0 = now_us();
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st;
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, envp) != 0 ||
		    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			(*failures)++;
	}
	return (double)(now_us() - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * 2000 round trips of each kind, in 10 interleaved batches of 200 so that
 * drift on a shared machine (and the kernel's deferred namespace cleanup)
 * hits every way alike.  Prints the overall mean and the median batch.
 * The way without PID has no init: beside the full way, it shows what the
 * init costs.
 */
static void timings(void)
{
	enum { BATCHES = 10, PER_BATCH = 200, WAYS = 5 };
	struct server s;
	if (server_start(&s, "clone") != 0) {
		check(false, "timings", "server did not start");
		return;
	}
	struct spawn plain, full, piped;
	spawn_init(&plain, "/bin/true", "true", NULL);
	spawn_init(&full, "/bin/true", "true", NULL);
	full.ns = FULL_NS;
	spawn_own_map(&full);
	/* the server makes the child's three pipes and hands back our ends (closed unread) */
	spawn_init(&piped, "/bin/true", "true", NULL);
	piped.options = PIPE_STDIN | PIPE_STDOUT | PIPE_STDERR;
	piped.nfds = 0;
	piped.nfds_override = 3;
	/* the same without PID: no init, the program is the namespace's only process */
	struct spawn no_pid = full;
	no_pid.ns = FULL_NS & ~NS_PID;
	const struct spawn *way[WAYS - 1] = { &plain, &full, &piped, &no_pid };
	int f[WAYS] = { 0 };
	double b[WAYS][BATCHES], sum[WAYS] = { 0 };
	for (int k = 0; k < WAYS - 1; k++)
		batch_server(&s, way[k], 20, &f[k]); /* warm up */
	batch_posix_spawn(20, &f[WAYS - 1]);
	for (int i = 0; i < BATCHES; i++) {
		for (int k = 0; k < WAYS - 1; k++)
			b[k][i] = batch_server(&s, way[k], PER_BATCH, &f[k]);
		b[WAYS - 1][i] = batch_posix_spawn(PER_BATCH, &f[WAYS - 1]);
		for (int k = 0; k < WAYS; k++)
			sum[k] += b[k][i];
	}
	server_stop(&s);
	double mean[WAYS], med[WAYS];
	for (int k = 0; k < WAYS; k++) {
		mean[k] = sum[k] / BATCHES;
		qsort(b[k], BATCHES, sizeof b[k][0], cmp_double);
		med[k] = (b[k][BATCHES / 2 - 1] + b[k][BATCHES / 2]) / 2;
	}
	printf("time spawnd, no namespaces:          mean %7.1f us, median batch %7.1f us (2000 spawn-to-EXITED)\n",
	       mean[0], med[0]);
	printf("time spawnd, USER|PID|MOUNT|UTS|IPC: mean %7.1f us, median batch %7.1f us (2000 spawn-to-EXITED)\n",
	       mean[1], med[1]);
	printf("time spawnd, USER|MOUNT|UTS|IPC:     mean %7.1f us, median batch %7.1f us (2000 spawn-to-EXITED)\n",
	       mean[3], med[3]);
	printf("time spawnd, no namespaces, 3 pipes: mean %7.1f us, median batch %7.1f us (2000 spawn-to-EXITED)\n",
	       mean[2], med[2]);
	printf("time posix_spawn+waitpid in driver:  mean %7.1f us, median batch %7.1f us (2000 round trips)\n",
	       mean[4], med[4]);
	printf("ratio no-namespaces / posix_spawn:   mean %5.2f, median %5.2f\n", mean[0] / mean[4], med[0] / med[4]);
	printf("ratio full-namespaces / posix_spawn: mean %5.2f, median %5.2f\n", mean[1] / mean[4], med[1] / med[4]);
	printf("ratio full without PID / posix_spawn: mean %5.2f, median %5.2f\n", mean[3] / mean[4], med[3] / med[4]);
	printf("ratio 3 pipes / no pipes:            mean %5.2f, median %5.2f\n", mean[2] / mean[0], med[2] / med[0]);
	fflush(stdout);
	check(f[0] == 0 && f[1] == 0 && f[2] == 0 && f[3] == 0 && f[4] == 0, "timing runs completed without failures",
	      "%d/%d/%d/%d/%d", f[0], f[1], f[2], f[3], f[4]);
}

/* ------------------------------------------------------------------------ */
/* a root file system and mounts                                             */
/* ------------------------------------------------------------------------ */

static void test_filesystem(struct server *s)
{
	char root[] = "/tmp/spawnd-root.XXXXXX";
	if (!mkdtemp(root)) {
		check(false, "rootfs: a root to try", "mkdtemp: %s", strerror(errno));
		return;
	}
	chmod(root, 0755);
	/* The host's /usr read-only, with its merged-/usr links; nothing else of the host. */
	char path[PATH_MAX + 32], link[PATH_MAX];
	snprintf(path, sizeof path, "%s/usr", root);
	mkdir(path, 0755);
	const char *links[] = { "bin", "sbin", "lib", "lib64" };
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		char host[32];
		snprintf(host, sizeof host, "/%s", links[i]);
		ssize_t n = readlink(host, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		snprintf(path, sizeof path, "%s/%s", root, links[i]);
		if (symlink(link, path) != 0) {
			check(false, "rootfs: a root to try", "symlink %s: %s", path, strerror(errno));
			return;
		}
	}
	struct spawn sp;
	struct outcome o;
	char out[2048];
	spawn_init(&sp, "/bin/sh", "sh", "-c",
	           "echo ROOT $(ls -A / | sort | tr '\\n' ' ');"
	           "cat /etc/hostname >/dev/null 2>&1 && echo HOSTFILE;"
	           "touch /usr/spawnd-test 2>/dev/null && echo USRWRITABLE;"
	           "echo TMP $(ls -A /tmp | wc -l);"
	           "echo hi >/dev/null && echo DEVNULL;"
	           "test -e /dev/sda && echo SDA;"
	           "echo PIDS $(ls /proc | grep -c '^[0-9]');"
	           "mount -o remount,bind,rw /usr 2>/dev/null && echo REMOUNTED;"
	           "umount /proc 2>/dev/null && echo PROC-OFF;"
	           "echo AFTER $(ls /proc | grep -c '^[0-9]')", NULL);
	sp.ns = NS_USER | NS_PID | NS_MOUNT;
	spawn_own_map(&sp);
	sp.rootfs = root;
	const char *mounts[][3] = {
		{ "ro-bind", "/usr", "/usr" }, { "proc", "", "/proc" }, { "dev", "", "/dev" }, { "tmpfs", "", "/tmp" },
	};
	memcpy(sp.mounts, mounts, sizeof mounts);
	run_capture(s, &sp, &o, out, sizeof out);
	/* What the root holds, plus the mount points made in it. */
	char want[256] = "ROOT";
	const char *entries[] = { "bin", "dev", "lib", "lib64", "proc", "sbin", "tmp", "usr" };
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, entries[i]);
		struct stat st;
		if (lstat(path, &st) == 0 || strcmp(entries[i], "dev") == 0 || strcmp(entries[i], "proc") == 0 ||
		    strcmp(entries[i], "tmp") == 0) {
			strncat(want, " ", sizeof want - strlen(want) - 1);
			strncat(want, entries[i], sizeof want - strlen(want) - 1);
		}
	}
	strncat(want, "\n", sizeof want - strlen(want) - 1);
	check(o.exited && strncmp(out, want, strlen(want)) == 0,
	      "rootfs: / is the root's entries and its mounts, nothing of the host", "%s; printed '%s', want '%s'",
	      describe(&o), out, want);
	/* The namespace's own: init, the shell and the few the command line starts. */
	const char *pids = strstr(out, "PIDS ");
	int npids = pids ? atoi(pids + 5) : -1;
	check(o.exited && !strstr(out, "HOSTFILE") && !strstr(out, "USRWRITABLE") && strstr(out, "TMP 0\n") &&
	      strstr(out, "DEVNULL\n") && !strstr(out, "SDA") && npids >= 2 && npids < 10,
	      "rootfs: no host file; read-only bind; empty private /tmp; /dev/null, no host disk; /proc of the"
	      " namespace", "%s; printed '%s'", describe(&o), out);
	const char *after = strstr(out, "AFTER ");
	int nafter = after ? atoi(after + 6) : -1;
	check(o.exited && !strstr(out, "REMOUNTED") && !strstr(out, "PROC-OFF") && nafter >= 2 && nafter < 10,
	      "rootfs: root of the namespace can neither make a read-only bind writable nor take /proc off",
	      "%s; printed '%s'", describe(&o), out);
	outcome_close(&o);

	/* Without a root of its own, only a fresh /proc: it stays over the host's. */
	spawn_init(&sp, "/bin/sh", "sh", "-c",
	           "umount /proc 2>/dev/null && echo PROC-OFF;"
	           "unshare -Urm sh -c 'echo NESTED-IN; umount /proc 2>/dev/null && echo NESTED-OFF';"
	           "unshare -Urm sh -c 'umount -l /proc 2>/dev/null && echo NESTED-OFF';"
	           "echo PIDS $(ls /proc | grep -c '^[0-9]')", NULL);
	sp.ns = NS_USER | NS_PID | NS_MOUNT;
	sp.options = MOUNT_PROC;
	spawn_own_map(&sp);
	run_capture(s, &sp, &o, out, sizeof out);
	pids = strstr(out, "PIDS ");
	npids = pids ? atoi(pids + 5) : -1;
	check(o.exited && !strstr(out, "PROC-OFF") && strstr(out, "NESTED-IN") && !strstr(out, "NESTED-OFF") &&
	      npids >= 2 && npids < 10,
	      "mount namespace: /proc cannot be taken off to show the host's processes, nor in a namespace of"
	      " its own", "%s; printed '%s'",
	      describe(&o), out);
	outcome_close(&o);

	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.ns = NS_USER | NS_MOUNT;
	spawn_own_map(&sp);
	sp.mounts[0][0] = "bind";
	sp.mounts[0][1] = "/usr";
	sp.mounts[0][2] = "/usr/../etc";
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && strstr(o.step, "is not an absolute path without"),
	      "mounts: a destination with .. is malformed", "%s", describe(&o));
	outcome_close(&o);
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.rootfs = root;
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && strstr(o.step, "with the MOUNT namespace"),
	      "rootfs: needs the MOUNT namespace", "%s", describe(&o));
	outcome_close(&o);
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.ns = NS_USER | NS_MOUNT;
	spawn_own_map(&sp);
	sp.rootfs = "/no/such/root";
	run(s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == ENOENT &&
	      strcmp(o.step, "binding the root file system /no/such/root") == 0,
	      "rootfs: a missing root fails the spawn naming it", "%s", describe(&o));
	outcome_close(&o);

	snprintf(path, sizeof path, "rm -rf '%s'", root);
	if (system(path) != 0)
		fprintf(stderr, "removing %s failed\n", root);
}

/* ------------------------------------------------------------------------ */
/* cgroups (--cgroup)                                                        */
/* ------------------------------------------------------------------------ */

static char self_exe[PATH_MAX];

/* Where hierarchy "0::" (v2) or a v1 controller ("memory", "pids") is
 * mounted, and our cgroup in it: the directory a test cgroup is made in. */
static bool own_cgroup_dir(const char *controller, char *dir, size_t cap)
{
	char line[1024], mount_point[512] = "", own[512] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		char mp[512], fstype[64], opts[512];
		/* ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS ... - FSTYPE SOURCE SUPER_OPTIONS */
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %*s %511s", fstype, opts) != 2)
			continue;
		bool v2 = strcmp(controller, "0") == 0;
		if ((v2 && strcmp(fstype, "cgroup2") == 0) ||
		    (!v2 && strcmp(fstype, "cgroup") == 0 && strstr(opts, controller))) {
			snprintf(mount_point, sizeof mount_point, "%s", mp);
			break;
		}
	}
	fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	if (!f || !mount_point[0]) {
		if (f)
			fclose(f);
		return false;
	}
	while (fgets(line, sizeof line, f)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*a = *b = '\0';
		b[1 + strcspn(b + 1, "\n")] = '\0';
		bool v2 = strcmp(controller, "0") == 0;
		if ((v2 && strcmp(line, "0") == 0) || (!v2 && strstr(a + 1, controller)))
			snprintf(own, sizeof own, "%s", b + 1);
	}
	fclose(f);
	snprintf(dir, cap, "%s%s", mount_point, strcmp(own, "/") == 0 ? "" : own);
	return own[0] != '\0';
}

static int count_subdirs(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The "0::" line of a process's /proc/PID/cgroup. */
static void v2_cgroup_of(pid_t pid, char *out, size_t cap)
{
	char path[64], text[2048];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	read_text(path, text, sizeof text);
	char *l = strstr(text, "0::");
	out[0] = '\0';
	if (l)
		snprintf(out, cap, "%.*s", (int)strcspn(l + 3, "\n"), l + 3);
}

static bool all_gone_within(const pid_t *pids, int n, int ms)
{
	int64_t end = now_us() + (int64_t)ms * 1000;
	for (;;) {
		bool gone = true;
		for (int i = 0; i < n; i++)
			if (!process_gone(pids[i]) && proc_state(pids[i]) != 'Z')
				gone = false;
		if (gone || now_us() > end)
			return gone;
		usleep(10000);
	}
}

/* The directory of a process's v2 cgroup: the mount point is base (our
 * own cgroup's directory) without our own cgroup's path. */
static void leaf_dir_of(pid_t pid, const char *base, char *out, size_t cap)
{
	char cg[PATH_MAX] = "", own_path[PATH_MAX] = "";
	v2_cgroup_of(pid, cg, sizeof cg);
	v2_cgroup_of(getpid(), own_path, sizeof own_path);
	size_t bl = strlen(base), ol = strcmp(own_path, "/") == 0 ? 0 : strlen(own_path);
	snprintf(out, cap, "%.*s%s", (int)(bl - ol), base, cg);
}

/* The pids in a cgroup's cgroup.procs. */
static int cgroup_pids(const char *dir, pid_t *pids, int cap)
{
	char path[PATH_MAX + 16], text[4096];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	read_text(path, text, sizeof text);
	int n = 0;
	for (char *p = text; *p && n < cap;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	return n;
}

static bool wait_subdirs(const char *dir, int want, int ms)
{
	int64_t end = now_us() + (int64_t)ms * 1000;
	while (count_subdirs(dir) != want && now_us() < end)
		usleep(20000);
	return count_subdirs(dir) == want;
}

static void test_cgroups(void)
{
	char base[PATH_MAX], dir[PATH_MAX + 64];
	if (!is_root) {
		skip("cgroups", "needs root to make cgroups");
		return;
	}
	if (!own_cgroup_dir("0", base, sizeof base)) {
		skip("cgroups", "no cgroup v2 hierarchy");
		return;
	}
	snprintf(dir, sizeof dir, "%s/spawnd-test-%d", base, (int)getpid());
	if (mkdir(dir, 0755) != 0) {
		skip("cgroups", "cannot make a cgroup in our own");
		return;
	}
	struct server s;
	launch_cgroup = dir;
	int started = server_launch(&s, "clone", -1);
	launch_cgroup = NULL;
	if (started != 0) {
		check(false, "cgroup: server with --cgroup starts", "%s", dir);
		rmdir(dir);
		return;
	}
	struct spawn sp;
	struct outcome o;
	uint32_t req;

	/* 1. Born inside a cgroup of its own; whatever it starts dies with it. */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "sleep 1000 & setsid sleep 1001 & exec sleep 1002", NULL);
	sp.options = CGROUP;
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &o, 10000);
	char cg[PATH_MAX], leaf_dir[PATH_MAX * 2];
	v2_cgroup_of(o.pid, cg, sizeof cg);
	leaf_dir_of(o.pid, base, leaf_dir, sizeof leaf_dir);
	bool own = o.spawned && strstr(cg, "/spawnd-test-") && strchr(strstr(cg, "/spawnd-test-") + 1, '/');
	pid_t pids[16];
	int n = 0;
	int64_t end = now_us() + 2000000;
	while ((n = cgroup_pids(leaf_dir, pids, 16)) < 3 && now_us() < end)
		usleep(10000);
	check(own && n == 3, "cgroup: a child starts in a cgroup of its own, and its descendants with it",
	      "%s in %s, %d processes there", describe(&o), cg, n);
	sys_pidfd_send_signal(o.pidfd, SIGTERM);
	await_exit(&s, &o, 10000);
	bool gone = all_gone_within(pids, n, 3000);
	check(o.exited && o.sig == SIGTERM && n == 3 && gone,
	      "cgroup: when the child ends, the grandchild and the setsid daemon die too",
	      "%s, the other %d gone: %d", describe(&o), n - 1, gone);
	outcome_close(&o);

	/* 2. Hundreds of spawns leave no cgroup behind (spares go after a second idle). */
	wait_subdirs(dir, 0, 3000); /* the first child's spare, once idle */
	int fds_before = count_fds(s.pid);
	int failures = 0;
	for (int i = 0; i < 300; i++) {
		spawn_init(&sp, "/bin/true", "true", NULL);
		sp.options = CGROUP;
		run(&s, &sp, &o, 10000);
		if (!o.exited || o.code != 0)
			failures++;
		outcome_close(&o);
	}
	bool spare_kept = count_subdirs(dir) >= 1;
	bool none_left = wait_subdirs(dir, 0, 3000);
	int fds_after = count_fds(s.pid);
	check(failures == 0 && spare_kept && none_left && fds_after == fds_before,
	      "cgroup: 300 spawns, then no cgroup left after a second idle, no descriptor more",
	      "%d failed, a spare kept while busy %d, none left %d (%d), server fds %d -> %d", failures,
	      spare_kept, none_left, count_subdirs(dir), fds_before, fds_after);

	/* 3. rlimits are set in the child. */
	char out[256];
	spawn_init(&sp, "/bin/sh", "sh", "-c", "ulimit -n; ulimit -c", NULL);
	sp.rlimits[0] = "nofile=32";
	sp.rlimits[1] = "core=0";
	run_capture(&s, &sp, &o, out, sizeof out);
	check(o.exited && o.code == 0 && strcmp(out, "32\n0\n") == 0, "rlimits: nofile=32 and core=0 in the child",
	      "%s, printed '%s'", describe(&o), out);
	outcome_close(&o);
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.rlimits[0] = "nofile=64:32";
	run(&s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && strstr(o.step, "rlimit \"nofile=64:32\""),
	      "rlimits: a soft limit above the hard one is refused", "%s", describe(&o));
	outcome_close(&o);

	/* 4. A bad cgroup setting fails the spawn and leaves nothing behind. */
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.options = CGROUP;
	sp.cg_set[0] = "0:no.such.file=1";
	run(&s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == ENOENT && strstr(o.step, "writing 1 to no.such.file of cgroup") &&
	      wait_subdirs(dir, 0, 1500), "cgroup: a setting the kernel refuses fails the spawn, no cgroup left",
	      "%s, %d cgroups", describe(&o), count_subdirs(dir));
	outcome_close(&o);
	spawn_init(&sp, "/bin/true", "true", NULL);
	sp.cg_set[0] = "0:../cgroup.kill=1";
	sp.options = CGROUP;
	run(&s, &sp, &o, 10000);
	check(o.answered && !o.spawned && o.err == EINVAL && strstr(o.step, "is not HIERARCHY:FILE=VALUE"),
	      "cgroup: a setting that names a path is malformed", "%s", describe(&o));
	outcome_close(&o);

	/* 5. Limits through v1 hierarchies (a hybrid host): memory and pids. */
	char v1mem[PATH_MAX + 64] = "", v1pids[PATH_MAX + 64] = "", tmp[PATH_MAX];
	if (own_cgroup_dir("memory", tmp, sizeof tmp) && strncmp(tmp, "/sys/fs/cgroup/unified", 22) != 0) {
		snprintf(v1mem, sizeof v1mem, "%s/spawnd-test-%d", tmp, (int)getpid());
		if (mkdir(v1mem, 0755) != 0)
			v1mem[0] = '\0';
	}
	if (v1mem[0]) {
		spawn_init(&sp, self_exe, "spawnd-test", "--hog", "200", NULL);
		sp.options = CGROUP;
		sp.cg_v1[0] = v1mem;
		sp.cg_set[0] = "1:memory.limit_in_bytes=67108864";
		char memsw[PATH_MAX + 96];
		snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", v1mem);
		if (access(memsw, F_OK) == 0)
			sp.cg_set[1] = "1:memory.memsw.limit_in_bytes=67108864";
		run(&s, &sp, &o, 20000);
		check(o.exited && o.sig == SIGKILL && o.oom, "cgroup v1: over memory.limit_in_bytes 64M the OOM killer"
		      " ends a 200M program, reported as OOM-killed", "%s oom %d", describe(&o), o.oom);
		outcome_close(&o);
	} else {
		skip("cgroup v1 memory limit", "no writable v1 memory hierarchy");
	}
	if (own_cgroup_dir("pids", tmp, sizeof tmp) && strncmp(tmp, "/sys/fs/cgroup/unified", 22) != 0) {
		snprintf(v1pids, sizeof v1pids, "%s/spawnd-test-%d", tmp, (int)getpid());
		if (mkdir(v1pids, 0755) != 0)
			v1pids[0] = '\0';
	}
	if (v1pids[0]) {
		spawn_init(&sp, self_exe, "spawnd-test", "--forks", "64", NULL);
		sp.options = CGROUP;
		sp.cg_v1[0] = v1pids;
		sp.cg_set[0] = "1:pids.max=16";
		run(&s, &sp, &o, 20000);
		check(o.exited && o.code > 0 && o.code < 16, "cgroup v1: pids.max 16 lets a program start fewer than 16"
		      " of 64 children", "%s (the exit code is how many started)", describe(&o));
		outcome_close(&o);
	} else {
		skip("cgroup v1 pids limit", "no writable v1 pids hierarchy");
	}

	/* 6. End of file: everything in our cgroups dies, and they are removed. */
	spawn_init(&sp, "/bin/sh", "sh", "-c", "setsid sleep 1003 & exec sleep 1004", NULL);
	sp.options = CGROUP;
	send_spawn(&s, &sp, &req);
	await_answer(&s, req, &o, 10000);
	leaf_dir_of(o.pid, base, leaf_dir, sizeof leaf_dir);
	end = now_us() + 2000000;
	while ((n = cgroup_pids(leaf_dir, pids, 16)) < 2 && now_us() < end)
		usleep(10000);
	close(s.sock);
	s.sock = -1;
	int st = server_wait(&s, 5000);
	s.pid = 0;
	gone = all_gone_within(pids, n, 3000);
	check(n == 2 && gone && st == 0 && access(dir, F_OK) != 0,
	      "cgroup: at end of file the server kills its cgroups and removes them and its directory",
	      "%d processes, gone %d, server status %d, directory left %d", n, gone, st, access(dir, F_OK) == 0);
	outcome_close(&o);
	server_stop(&s);
	rmdir(dir);
	if (v1mem[0])
		rmdir(v1mem);
	if (v1pids[0])
		rmdir(v1pids);
}

/* Helpers the checks run as children: allocate and touch MiB, or fork. */
static int helper_main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--hog") == 0) {
		size_t mib = (size_t)atol(argv[2]);
		for (size_t i = 0; i < mib; i++) {
			char *p = malloc(1 << 20);
			if (!p)
				return 3;
			memset(p, 1, 1 << 20);
		}
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--forks") == 0) {
		int want = atoi(argv[2]), started = 0;
		pid_t kids[256];
		for (int i = 0; i < want && i < 256; i++) {
			pid_t p = fork();
			if (p == 0) {
				sleep(5);
				_exit(0);
			}
			if (p > 0)
				kids[started++] = p;
		}
		for (int i = 0; i < started; i++) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
		return started;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int helped = helper_main(argc, argv);
	if (helped >= 0)
		return helped;
	if (argc < 2) {
		fprintf(stderr, "usage: spawnd-test /path/to/corral-spawnd [--no-timings]\n");
		return 2;
	}
	server_path = argv[1];
	if (!realpath("/proc/self/exe", self_exe))
		self_exe[0] = '\0';
	bool do_timings = !(argc > 2 && strcmp(argv[2], "--no-timings") == 0);
	bool caps_mode = argc > 2 && strcmp(argv[2], "--caps-mode") == 0;
	is_root = geteuid() == 0;
	signal(SIGPIPE, SIG_IGN);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	printf("# spawnd-test as uid %d (%s), server %s\n", (int)geteuid(),
	       is_root ? "root" : "unprivileged", server_path);
	fflush(stdout);

	struct server s;
	if (caps_mode) {
		if (server_start(&s, "clone") != 0) {
			check(false, "server start", "clone-mode server did not start");
		} else {
			test_caps_mode(&s);
			server_stop(&s);
		}
		printf("%d passed, %d failed\n", n_passed, n_failed);
		return n_failed ? 1 : 0;
	}
	test_hello();

	if (server_start(&s, "clone") != 0) {
		check(false, "server start", "clone-mode server did not start");
	} else {
		test_basic_exits(&s);
		test_namespaces(&s);
		test_init(&s);
		test_credentials(&s);
		test_signals(&s);
		test_time_slice(&s);
		test_affinity(&s);
		test_descriptors(&s);
		test_malformed(&s);
		test_pipes(&s);
		test_fd_leak(&s);
		test_concurrent(&s);
		test_concurrent_inits(&s);
		test_filesystem(&s);
		server_stop(&s);
	}
	test_adopt();
	test_held_exits();
	test_eof();
	test_pdeath();
	test_cgroups();
	if (do_timings)
		timings();

	if (n_skipped)
		printf("# %d skipped (marked \"skip\" above)\n", n_skipped);
	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}
