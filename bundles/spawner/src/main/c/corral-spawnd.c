/*
 * corral-spawnd -- Corral's spawn server.
 *
 * A Java process starts this program once and sends it spawn requests over
 * an AF_UNIX SOCK_SEQPACKET socket that is already open at fd 3.  For each
 * request the server creates a child (clone(2) with namespace flags, or
 * fork(2)), completes the uid/gid-map handshake, lets the child apply its
 * credentials and descriptors, and reports the result.  It then watches the
 * child through a pidfd and reports its exit.  The wire protocol and the
 * child-setup order are documented in docs/spawnd-protocol.md.
 *
 *   usage: corral-spawnd clone|fork [--events-fd N [--hold-exits MS]]
 *
 * Design rules:
 *   - single-threaded: one epoll loop; a spawn runs to completion (until the
 *     child has exec'd or failed) before the next message is read;
 *   - a child is never reaped with waitpid(-1): every wait names one pidfd
 *     (or one pid), so adopted processes and spawns in flight never mix up;
 *   - the child runs only async-signal-safe code between clone and execve;
 *   - the child never holds the control socket, so the JVM sees end of file
 *     exactly when this server dies.
 *
 * Linux-only parts (namespaces, pidfds, epoll, prctl, mounts) are behind
 * __linux__; elsewhere only "fork" mode exists, exits are collected with a
 * SIGCHLD + waitpid(pid) loop, SPAWNED carries no descriptor and ADOPT is
 * not supported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __linux__
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#else
#include <grp.h>
#endif

/* ------------------------------------------------------------------------ */
/* Protocol (docs/spawnd-protocol.md)                                        */
/* ------------------------------------------------------------------------ */

#define CTL_FD            3
#define PROTOCOL_VERSION  1u
#define MAX_MSG           (256u * 1024u)
#define MAX_MSG_FDS       253u  /* SCM_MAX_FD: the kernel's per-datagram cap */
#define SPAWN_HEADER_SIZE 56u   /* 14 x 32-bit fields */
#define STEP_MAX          4352u /* longest step text: a verb plus a PATH_MAX path */
#define CHILD_STACK_SIZE  (256u * 1024u)
#define REAP_WAIT_MS      5000  /* how long to wait for a foreign reaper, see on_pidfd_ready */
#define MAX_HOLD_EXITS_MS 1000  /* --hold-exits: the longest an exit report may wait */
/* An init's stack mapping: a guard page, the program's stack until its
 * execve, another guard page, and init's own stack. */
#define PAGE                   4096u
#define INIT_STACK_REGION      (64u * 1024u)
#define INIT_STACK_PROGRAM_TOP (PAGE + INIT_STACK_REGION)
#define INIT_STACK_MAPPING     (2u * PAGE + 2u * INIT_STACK_REGION)
#define MAX_SPARE_INIT_STACKS  64u

enum msg_type {
	MSG_SPAWN = 1, MSG_ADOPT = 2, MSG_DETACH = 3,
	MSG_HELLO = 100, MSG_SPAWNED = 101, MSG_FAILED = 102, MSG_EXITED = 103,
};

enum mode { MODE_CLONE = 1, MODE_FORK = 2 };

enum ns_bit {
	NS_USER = 1, NS_PID = 2, NS_MOUNT = 4, NS_UTS = 8,
	NS_IPC = 16, NS_NET = 32, NS_CGROUP = 64, NS_ALL = 127,
};

enum option_bit {
	OPT_NO_NEW_PRIVS = 1, OPT_MOUNT_PROC = 2, OPT_SET_GROUPS = 4,
	OPT_SET_GID = 8, OPT_SET_UID = 16, OPT_ALL = 31,
};

enum setgroups_mode { SETGROUPS_KEEP = 0, SETGROUPS_DENY = 1, SETGROUPS_ALLOW = 2 };

/* Outgoing messages: every field is 32 bits, so there is no padding. */
struct msg_hello   { uint32_t type, version, mode, supported_ns; int32_t server_pid; };
struct msg_spawned { uint32_t type, request_id; int32_t pid, ns_pid; };
struct msg_failed  { uint32_t type, request_id; int32_t err, pid; char step[STEP_MAX]; };
struct msg_exited  { uint32_t type; int32_t pid, exit_code, signal; uint32_t status_known; };

_Static_assert(sizeof(struct msg_hello) == 20, "HELLO layout");
_Static_assert(sizeof(struct msg_spawned) == 16, "SPAWNED layout");
_Static_assert(offsetof(struct msg_failed, step) == 16, "FAILED layout");
_Static_assert(sizeof(struct msg_exited) == 20, "EXITED layout");

/* A decoded SPAWN request.  Pointers refer into the receive buffer, which
 * stays untouched until the spawn is finished. */
struct spawn_req {
	uint32_t request_id, ns_mask, options, setgroups_mode, pdeath_signal;
	int32_t uid, gid;
	uint32_t ngroups, n_uidmap, n_gidmap, argc, envc, nfds;
	const gid_t *groups;
	const unsigned char *uidmap, *gidmap;   /* 3 x u32 per entry */
	const char *path, *cwd, *hostname, *title;
	char *const *argv, *const *envp;        /* NULL-terminated */
	const int *fds;                         /* nfds received descriptors */
};

/* Why a spawn did not happen: becomes a FAILED message. */
struct failure {
	int err;
	pid_t pid;
	char step[STEP_MAX];
};

/* ------------------------------------------------------------------------ */
/* Server state                                                              */
/* ------------------------------------------------------------------------ */

/* One watched process.  On Linux the table is indexed by the pidfd. */
struct watch {
	pid_t pid;              /* 0: slot unused */
	bool adopted;           /* came in by ADOPT: maybe not our child */
	unsigned char *init_stack; /* an init's stack mapping, taken back at its exit */
	int64_t reap_deadline;  /* >0: exited, waiting for a foreign reaper */
};

static struct {
	int mode;
	pid_t pid;
	int evt_fd;                    /* where EXITED goes: CTL_FD, or --events-fd */
	int hold_exits_ms;             /* >0: exit reports wait for a reply to carry them */
	struct msg_exited *held;       /* exit reports waiting, oldest first */
	size_t nheld, capheld;
	int64_t held_deadline;         /* when the oldest one must go out on its own */
	uint32_t supported_ns;
	struct rlimit initial_nofile;  /* restored in children */
	bool nofile_raised;
	unsigned fd_limit;             /* our soft RLIMIT_NOFILE, capped to INT_MAX */
	int epfd;
	struct watch *watches;
	size_t nslots;
	size_t nwatched;
	size_t nwaiting_reap;
	/* per-request scratch, kept between requests to avoid malloc per spawn */
	char **ptrs;
	size_t nptrs;
	int *child_fds;
	void *child_stack_top;         /* clone mode: stack for CLONE_VM children */
	int reset_signals[NSIG];       /* signals whose disposition is not SIG_DFL here */
	bool short_slice;              /* we run with a short time slice; children get the default back */
	bool dumpable;                 /* as started: a child's id change through our memory undoes it */
	bool init_shares_memory;       /* inits run in our memory (as root, see run_init) */
	unsigned char *spare_init_stacks; /* a list, linked through the stacks */
	size_t nspare_init_stacks;
	int nice;                      /* our nice value as started, kept */
	int nreset_signals;
} srv = { .epfd = -1, .evt_fd = CTL_FD };

/* The receive buffer is an array of uint32_t so that the gid list inside it
 * may be handed to setgroups as gid_t[] without aliasing trouble. */
static uint32_t rx_words[MAX_MSG / 4];
#define RX_BUF ((unsigned char *)rx_words)

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
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

static void fail_set(struct failure *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_set(struct failure *f, int err, const char *fmt, ...)
{
	va_list ap;
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->step, sizeof f->step, fmt, ap);
	va_end(ap);
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (close(fds[i]) != 0)
			logmsg("close %d: %s", fds[i], strerror(errno));
}

/* Read exactly len bytes; returns 0, or -1 with errno (EPIPE on early EOF). */
static int read_full(int fd, void *buf, size_t len)
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

static int write_full(int fd, const void *buf, size_t len)
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
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0u);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0u);
}

/* The 32-bit-id variants exist where the plain ones take 16-bit ids. */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#endif

/*
 * PIDFD_GET_INFO (Linux 6.13) and PIDFD_INFO_EXIT (6.15) are newer than the
 * kernel headers we build against.  Layout from include/uapi/linux/pidfd.h:
 * the structure is extensible, the kernel copies min(our size, its size),
 * and any size >= 64 (PIDFD_INFO_SIZE_VER0) is accepted.  exit_code sits at
 * offset 60 and holds a wait(2)-style status.
 */
struct corral_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask, coredump_signal;
};
_Static_assert(offsetof(struct corral_pidfd_info, exit_code) == 60, "pidfd_info.exit_code");
_Static_assert(sizeof(struct corral_pidfd_info) == 72, "PIDFD_INFO_SIZE_VER1");
#define CORRAL_PIDFD_INFO_EXIT (1ull << 3)
#define CORRAL_PIDFD_GET_INFO _IOWR(0xFF, 11, struct corral_pidfd_info)
#endif /* __linux__ */

/*
 * Signal dispositions through the raw system call on Linux: glibc refuses
 * the numbers it reserves for its threads (32 and 33), yet a parent may have
 * left them ignored, and an ignored signal survives execve.  Only the
 * handler, the first field of the kernel's struct, is read; SIG_DFL is an
 * all-zero struct, whatever the architecture's layout.
 */
#define KERNEL_SIGSET_SIZE 8 /* the kernel's sigset_t: 64 signals */

static bool has_default_disposition(int sig)
{
#ifdef __linux__
	unsigned long now[8] = { 0 };
	return syscall(SYS_rt_sigaction, sig, NULL, now, KERNEL_SIGSET_SIZE) != 0 || now[0] == (unsigned long)SIG_DFL;
#else
	struct sigaction now;
	return sigaction(sig, NULL, &now) != 0 || now.sa_handler == SIG_DFL;
#endif
}

static int set_default_disposition(int sig)
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
static int close_from(unsigned lo, int keep, unsigned fallback_max);

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */
/* ------------------------------------------------------------------------ */

static _Noreturn void shutdown_and_exit(int status);

/* Send one datagram, with an optional descriptor.  A dead peer means the
 * JVM is gone: that is handled like end of file. */
static void send_msg_on(int sock, const void *data, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof ctl);
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof ctl.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	for (int attempt = 0;; attempt++) {
		if (sendmsg(sock, &m, MSG_NOSIGNAL) >= 0)
			return;
		if (errno == EINTR)
			continue;
		if ((errno == ENOBUFS || errno == ENOMEM) && attempt < 100) {
			usleep(10000); /* transient memory shortage */
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) {
			logmsg("control socket closed by the peer; killing watched processes");
			shutdown_and_exit(0);
		}
		/* Losing a message would desynchronise the JVM: give up cleanly. */
		logmsg("sending message type %u: %s", get_u32(data), strerror(errno));
		shutdown_and_exit(1);
	}
}

/* Replies and HELLO go on the control socket. */
static void send_msg(const void *data, size_t len, int fd)
{
	send_msg_on(CTL_FD, data, len, fd);
}

/* Exit reports go on the events socket when there is one, so that the
 * JVM thread waiting for a reply reads it itself instead of being woken by
 * the thread that reads exits: one thread hand-off less per spawn.
 *
 * With --hold-exits the report waits instead: the next reply carries it
 * on the control socket, read by the spawning thread that is awake anyway,
 * or it goes out on the events socket once it has waited that long.  Under
 * a stream of spawns the thread that reads exits then never wakes.  The
 * JVM asks for this only where its waiting threads learn exits from their
 * pidfds, so that holding delays no one who waits. */
static void send_exited(pid_t pid, int exit_code, int sig, bool known)
{
	struct msg_exited m = {
		.type = MSG_EXITED, .pid = pid, .exit_code = exit_code,
		.signal = sig, .status_known = known,
	};
	if (srv.hold_exits_ms > 0) {
		if (srv.nheld == srv.capheld) {
			size_t cap = srv.capheld ? srv.capheld * 2 : 16;
			struct msg_exited *h = realloc(srv.held, cap * sizeof *h);
			if (h) {
				srv.held = h;
				srv.capheld = cap;
			}
		}
		if (srv.nheld < srv.capheld) {
			if (srv.nheld == 0)
				srv.held_deadline = now_ms() + srv.hold_exits_ms;
			srv.held[srv.nheld++] = m;
			return;
		}
		/* Out of memory: this one goes now. */
	}
	send_msg_on(srv.evt_fd, &m, sizeof m, -1);
}

/* Sends every held exit report, oldest first.  The list is emptied before
 * the first send: a dead peer ends in shutdown_and_exit, which flushes too. */
static void send_held_exits(int sock)
{
	size_t n = srv.nheld;
	srv.nheld = 0;
	for (size_t i = 0; i < n; i++)
		send_msg_on(sock, &srv.held[i], sizeof srv.held[i], -1);
}

/* How long the event loop may sleep: until the oldest held report is due. */
static int held_exits_timeout(int timeout_ms)
{
	if (srv.nheld == 0)
		return timeout_ms;
	int64_t left = srv.held_deadline - now_ms();
	int due = left <= 0 ? 0 : (int)left;
	return timeout_ms < 0 || due < timeout_ms ? due : timeout_ms;
}

static void send_due_exits(void)
{
	if (srv.nheld > 0 && now_ms() >= srv.held_deadline)
		send_held_exits(srv.evt_fd);
}

static void send_failed(uint32_t request_id, const struct failure *f)
{
	static struct msg_failed m; /* 4 KiB: keep it off the stack */
	m.type = MSG_FAILED;
	m.request_id = request_id;
	m.err = f->err;
	m.pid = f->pid;
	size_t len = strnlen(f->step, sizeof m.step - 1);
	memcpy(m.step, f->step, len);
	m.step[len] = '\0';
	send_msg(&m, offsetof(struct msg_failed, step) + len + 1, -1);
}

/* ------------------------------------------------------------------------ */
/* The child: small steps between clone and execve                          */
/*                                                                           */
/* Everything here runs in the new child before execve.  In clone mode it  */
/* shares the server's memory and glibc does not know it exists (see       */
/* create_child).  Only async-signal-safe functions and raw system calls   */
/* are allowed: no malloc, no stdio, no locks.  Each step either succeeds  */
/* or reports {errno, step text} on the error pipe and exits with 127.     */
/* ------------------------------------------------------------------------ */

struct child {
	const struct spawn_req *req;
	pid_t server_pid;
	int hs_rd, hs_wr;      /* handshake pipe: server -> child */
	int err_rd, err_wr;    /* error pipe: child -> server, O_CLOEXEC */
	int *tmp_fds;          /* nfds slots of scratch, allocated by the parent */
	unsigned fd_limit;     /* for the close_range fallback */
	const struct rlimit *restore_nofile; /* NULL: keep */
	unsigned char *init_stack; /* PID namespace: init's stack mapping */
};

struct child_report {
	int32_t err;
	char step[STEP_MAX];
};

/* An async-signal-safe string builder for step texts. */
struct text {
	char buf[STEP_MAX];
	size_t len;
};

static void text_str(struct text *t, const char *s)
{
	while (*s && t->len < sizeof t->buf - 1)
		t->buf[t->len++] = *s++;
	t->buf[t->len] = '\0';
}

static void text_num(struct text *t, long long v)
{
	char digits[24];
	size_t n = 0;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[n++] = '-';
	while (n > 0 && t->len < sizeof t->buf - 1)
		t->buf[t->len++] = digits[--n];
	t->buf[t->len] = '\0';
}

static _Noreturn void child_fail_text(const struct child *c, int err, const struct text *t)
{
	struct child_report r;
	r.err = err;
	memcpy(r.step, t->buf, t->len + 1);
	/* One write: the parent reads until EOF, which comes at our _exit. */
	if (write(c->err_wr, &r, offsetof(struct child_report, step) + t->len + 1) < 0) {
		/* the server is gone; nobody to tell */
	}
	_exit(127);
}

/* "<what><arg>", e.g. "chdir /x" */
static _Noreturn void child_fail_s(const struct child *c, const char *what, const char *arg)
{
	int err = errno;
	struct text t = { .len = 0 };
	text_str(&t, what);
	text_str(&t, arg);
	child_fail_text(c, err, &t);
}

/* "<what><number>", e.g. "setuid 65534" */
static _Noreturn void child_fail_n(const struct child *c, const char *what, long long n)
{
	int err = errno;
	struct text t = { .len = 0 };
	text_str(&t, what);
	text_num(&t, n);
	child_fail_text(c, err, &t);
}

/* The child must not hold server descriptors: the control socket above all,
 * or the JVM would not see end of file when the server dies. */
static void step_drop_server_fds(const struct child *c)
{
	if (close(CTL_FD) != 0)
		child_fail_n(c, "closing control socket fd ", CTL_FD);
	if (srv.evt_fd != CTL_FD && close(srv.evt_fd) != 0)
		child_fail_n(c, "closing events socket fd ", srv.evt_fd);
	if (close(c->hs_wr) != 0)
		child_fail_n(c, "closing handshake pipe fd ", c->hs_wr);
	if (close(c->err_rd) != 0)
		child_fail_n(c, "closing error pipe fd ", c->err_rd);
}

/* Wait until the server has written the id maps (and has a pidfd for us):
 * it then sends our pid and a status in one write, so that we wake once.
 * A non-zero status means the server gave up and is about to kill us. */
static void step_wait_for_server(const struct child *c)
{
	int32_t handshake[2]; /* pid, status */
	if (read_full(c->hs_rd, handshake, sizeof handshake) != 0)
		child_fail_s(c, "reading pid and status from server", "");
	if (handshake[1] != 0)
		_exit(127);
}

/* A session and process group of its own: a terminal's signals (Ctrl-C,
 * Ctrl-\, hang-up) go to the terminal's foreground group and never reach
 * a child, whichever group the JVM is in. */
static void step_new_session(const struct child *c)
{
	if (setsid() < 0)
		child_fail_s(c, "setsid", "");
}

static void step_set_hostname(const struct child *c)
{
#ifdef __linux__
	const char *h = c->req->hostname;
	if (!(c->req->ns_mask & NS_UTS) || h[0] == '\0')
		return;
	if (sethostname(h, strlen(h)) != 0)
		child_fail_s(c, "sethostname ", h);
#else
	(void)c;
#endif
}

static void step_mounts(const struct child *c)
{
#ifdef __linux__
	if (!(c->req->ns_mask & NS_MOUNT))
		return;
	/* Our mount namespace starts as a copy that still shares propagation
	 * with the host: make it private first so nothing we mount leaks out. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		child_fail_s(c, "making / recursively private", "");
	/* A fresh proc shows the new PID namespace instead of the server's. */
	if ((c->req->options & OPT_MOUNT_PROC) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		child_fail_s(c, "mount proc on /proc", "");
#else
	(void)c;
#endif
}

/* Raw system calls for credentials: glibc's wrappers may broadcast the
 * change to "all threads" using thread bookkeeping that describes the
 * server, not this clone.  The child has one thread, so the raw call is
 * exact. */
static int set_groups(size_t n, const gid_t *groups)
{
#ifdef __linux__
	return (int)syscall(SYS_SETGROUPS, n, groups);
#else
	return setgroups((int)n, groups);
#endif
}

/* Real, effective and saved ids alike: nothing of the old identity stays
 * to switch back to. */
static int set_gid(gid_t gid)
{
#ifdef __linux__
	return (int)syscall(SYS_SETRESGID, gid, gid, gid);
#else
	return setgid(gid);
#endif
}

static int set_uid(uid_t uid)
{
#ifdef __linux__
	return (int)syscall(SYS_SETRESUID, uid, uid, uid);
#else
	return setuid(uid);
#endif
}

static void step_set_groups(const struct child *c)
{
	if ((c->req->options & OPT_SET_GROUPS) && set_groups(c->req->ngroups, c->req->groups) != 0)
		child_fail_s(c, "setgroups", "");
}

static void step_set_gid(const struct child *c)
{
	if ((c->req->options & OPT_SET_GID) && set_gid((gid_t)c->req->gid) != 0)
		child_fail_n(c, "setgid ", c->req->gid);
}

static void step_set_uid(const struct child *c)
{
	if ((c->req->options & OPT_SET_UID) && set_uid((uid_t)c->req->uid) != 0)
		child_fail_n(c, "setuid ", c->req->uid);
}

/* After setuid, because changing credentials clears the parent-death
 * signal.  Then make sure the server did not die before it was armed. */
static void step_parent_death_signal(const struct child *c)
{
	uint32_t sig = c->req->pdeath_signal;
	if (sig == 0)
		return;
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) != 0)
		child_fail_n(c, "prctl PR_SET_PDEATHSIG ", sig);
	if (c->req->ns_mask & NS_PID) {
		/* getppid() is 0 in a new PID namespace whoever the parent is.
		 * Instead: the server holds the handshake pipe's write end until
		 * we exec, and a dying process closes its files before it
		 * reparents its children, so a hang-up here means it is gone. */
		struct pollfd p = { .fd = c->hs_rd, .events = POLLIN };
		int n = poll(&p, 1, 0);
		if (n < 0)
			child_fail_n(c, "polling handshake pipe fd ", c->hs_rd);
		if (n > 0 && (p.revents & POLLHUP)) {
			errno = ESRCH;
			child_fail_n(c, "server died before PR_SET_PDEATHSIG was armed, server pid ",
			             c->server_pid);
		}
	} else if (getppid() != c->server_pid) {
		errno = ESRCH;
		child_fail_n(c, "server died before PR_SET_PDEATHSIG was armed, server pid ",
		             c->server_pid);
	}
#else
	errno = ENOSYS;
	child_fail_n(c, "parent-death signal is Linux-only, signal ", sig);
#endif
}

static void step_no_new_privs(const struct child *c)
{
	if (!(c->req->options & OPT_NO_NEW_PRIVS))
		return;
#ifdef __linux__
	if (prctl(PR_SET_NO_NEW_PRIVS, 1ul, 0ul, 0ul, 0ul) != 0)
		child_fail_s(c, "prctl PR_SET_NO_NEW_PRIVS", "");
#else
	errno = ENOSYS;
	child_fail_s(c, "no_new_privs is Linux-only", "");
#endif
}

/* Names the child in ps while it is being set up (execve replaces it with
 * the program's name).  The kernel keeps the first 15 bytes. */
static void step_set_title(const struct child *c)
{
#ifdef __linux__
	if (c->req->title[0] != '\0' &&
	    prctl(PR_SET_NAME, (unsigned long)c->req->title, 0ul, 0ul, 0ul) != 0)
		child_fail_s(c, "prctl PR_SET_NAME ", c->req->title);
#else
	(void)c;
#endif
}

/* Make the received descriptors the child's 0..nfds-1.  Copies go above
 * nfds first (F_DUPFD never replaces an open descriptor, so the copies
 * cannot clobber a source or each other), then each copy is dup'ed to its
 * slot (dup3 with flags 0 leaves it without FD_CLOEXEC).  Then everything
 * else is closed except the error pipe, which execve closes itself. */
static void step_move_fds(struct child *c)
{
	const int n = (int)c->req->nfds;
	int err_wr = fcntl(c->err_wr, F_DUPFD_CLOEXEC, n);
	if (err_wr < 0)
		child_fail_n(c, "moving error pipe above fd ", n);
	c->err_wr = err_wr;
	for (int i = 0; i < n; i++) {
		c->tmp_fds[i] = fcntl(c->req->fds[i], F_DUPFD_CLOEXEC, n);
		if (c->tmp_fds[i] < 0)
			child_fail_n(c, "duplicating received descriptor ", c->req->fds[i]);
	}
	for (int i = 0; i < n; i++) {
#ifdef __linux__
		int r = dup3(c->tmp_fds[i], i, 0);
#else
		int r = dup2(c->tmp_fds[i], i);
#endif
		if (r < 0) {
			struct text t = { .len = 0 };
			int err = errno;
			text_str(&t, "dup3 fd ");
			text_num(&t, c->tmp_fds[i]);
			text_str(&t, " to ");
			text_num(&t, i);
			child_fail_text(c, err, &t);
		}
	}
	if (close_from((unsigned)n, err_wr, c->fd_limit) != 0)
		child_fail_n(c, "closing descriptors from ", n);
}

/* After setuid, so the target user's permissions apply. */
static void step_chdir(const struct child *c)
{
	if (c->req->cwd[0] != '\0' && chdir(c->req->cwd) != 0)
		child_fail_s(c, "chdir ", c->req->cwd);
}

/* The server raised its own RLIMIT_NOFILE; children get what it was given. */
static void step_restore_nofile(const struct child *c)
{
	if (c->restore_nofile && setrlimit(RLIMIT_NOFILE, c->restore_nofile) != 0)
		child_fail_n(c, "setrlimit RLIMIT_NOFILE ", (long long)c->restore_nofile->rlim_cur);
}

#ifdef __linux__
/* struct sched_attr (include/uapi/linux/sched/types.h), SCHED_ATTR_SIZE_VER0. */
struct corral_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};
#define CORRAL_SCHED_OTHER 0

/* SCHED_OTHER with the given nice and, if slice_ns is not 0, that time
 * slice (Linux 6.12+; older kernels ignore sched_runtime for it). */
static int set_fair_scheduling(int nice, uint64_t slice_ns)
{
	struct corral_sched_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.sched_policy = CORRAL_SCHED_OTHER;
	a.sched_nice = nice;
	a.sched_runtime = slice_ns;
	return (int)syscall(SYS_sched_setattr, 0, &a, 0u);
}
#endif

/* The server's short time slice is its own: the program gets the default. */
static void step_restore_time_slice(const struct child *c)
{
#ifdef __linux__
	if (srv.short_slice && set_fair_scheduling(srv.nice, 0) != 0)
		child_fail_s(c, "restoring the default time slice", "");
#else
	(void)c;
#endif
}

/* Ignored signals and the blocked mask survive execve; start clean.  Only
 * the signals the server found not at SIG_DFL need it (it never changes a
 * disposition after starting): one system call each, not one per signal. */
static void step_reset_signals(const struct child *c)
{
	for (int i = 0; i < srv.nreset_signals; i++)
		if (set_default_disposition(srv.reset_signals[i]) != 0)
			child_fail_n(c, "resetting disposition of signal ", srv.reset_signals[i]);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		child_fail_s(c, "clearing the signal mask", "");
}

static _Noreturn void step_exec(const struct child *c)
{
	execve(c->req->path, c->req->argv, c->req->envp);
	child_fail_s(c, "execve ", c->req->path);
}

#ifdef __linux__
/* ------------------------------------------------------------------------ */
/* Init: pid 1 of a new PID namespace                                        */
/*                                                                           */
/* The kernel drops every signal that pid 1 of a namespace has no handler  */
/* for, and pid 1 inherits every orphan of the namespace.  So the program  */
/* does not run as pid 1: the child set up above stays as the namespace's  */
/* init and starts the program as pid 2.                                    */
/*                                                                           */
/* As root, init goes on sharing the server's memory (CLONE_VM), as every  */
/* child does until its execve: a memory of its own would cost a copy of   */
/* the server's (fork: some 100 us of page tables here, and the server's   */
/* every write then faults), more than the namespaces themselves.  That is */
/* safe because:                                                            */
/*  - init runs on a stack of its own (init_stack_get), which the server   */
/*    takes back only once init has exited;                                 */
/*  - from the program's start on, it makes only raw system calls that do  */
/*    not touch errno (raw_syscall), reads only its stack, writes nothing  */
/*    else;                                                                  */
/*  - the server's memory is non-dumpable (a root server makes it so when  */
/*    it starts), so nothing in the namespace may read or ptrace init      */
/*    without CAP_SYS_PTRACE over the host's user namespace.               */
/* A server that is not root cannot keep its memory non-dumpable: the      */
/* /proc files of its later children would then be root's, and it could   */
/* no longer write their id maps.  There init gets a copy of the server's  */
/* memory instead (clone without CLONE_VM), slower but its own.            */
/* ------------------------------------------------------------------------ */

/* The kernel's sigset_t, every bit: the signals glibc reserves included. */
static const uint64_t all_signals = ~(uint64_t)0;

/* System calls that return -errno instead of setting errno, which a shared
 * memory would share with the server.  Where there is none, init does not
 * share the server's memory. */
#if defined(__x86_64__)
#define HAVE_RAW_SYSCALL 1
static long raw_syscall(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
#define HAVE_RAW_SYSCALL 1
static long raw_syscall(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}
#else
#define HAVE_RAW_SYSCALL 0
static long raw_syscall(long n, long a, long b, long c, long d)
{
	long r = syscall(n, a, b, c, d);
	return r == -1 ? -errno : r;
}
#endif

static int program_entry(void *arg)
{
	const struct child *c = arg;
	step_reset_signals(c);
	step_restore_time_slice(c);
	step_exec(c);
}

/* Forwards every signal to the program, reaps every process of the
 * namespace, and ends with the program: its exit code, or 128 + N for
 * signal N, as a shell reports it.  (The kernel then kills whatever is
 * left in the namespace.)  It holds no descriptor. */
static _Noreturn void init_loop(pid_t program)
{
	for (;;) {
		siginfo_t si;
		long sig = raw_syscall(SYS_rt_sigtimedwait, (long)&all_signals, (long)&si, 0, KERNEL_SIGSET_SIZE);
		if (sig <= 0)
			continue; /* EINTR: a stop and continue */
		if (sig != SIGCHLD) {
			raw_syscall(SYS_kill, program, sig, 0, 0);
			continue;
		}
		for (;;) {
			int status;
			long pid = raw_syscall(SYS_wait4, -1, (long)&status, WNOHANG, 0);
			if (pid <= 0)
				break;
			if (pid == program)
				raw_syscall(SYS_exit_group, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				            0, 0, 0);
		}
	}
}

/* The child's steps are done: start the program and become its init.
 * Signals stay blocked in init from here on (they queue until the loop
 * takes them); the program unblocks them in step_reset_signals. */
static _Noreturn void run_init(struct child *c)
{
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all_signals, NULL, KERNEL_SIGSET_SIZE) != 0)
		child_fail_s(c, "init: blocking signals", "");
	/* CLONE_VM without CLONE_VFORK, as the server starts its children:
	 * init need not wait for the program's execve.  The program runs on
	 * the lower part of init's stack mapping; both touch only their own
	 * stacks until then, and init makes only raw system calls from here. */
	pid_t program = clone(program_entry, c->init_stack + INIT_STACK_PROGRAM_TOP, CLONE_VM | SIGCHLD, c);
	if (program < 0)
		child_fail_s(c, "init: starting the program as pid 2", "");
	/* The error pipe's last copy is now the program's: the server sees end
	 * of file at its execve, or reads the step it failed. */
	if (raw_syscall(SYS_close_range, 0, ~0u, 0, 0) != 0 && close_from(0, -1, c->fd_limit) != 0)
		raw_syscall(SYS_exit_group, 127, 0, 0, 0);
	/* A copy of the server's memory: not for the program to read. */
	if (!srv.init_shares_memory)
		prctl(PR_SET_DUMPABLE, 0ul, 0ul, 0ul, 0ul);
	init_loop(program);
}

/* Stacks for inits, from a small cache (see INIT_STACK_MAPPING). */

static unsigned char *init_stack_get(void)
{
	unsigned char *s = srv.spare_init_stacks;
	if (s) {
		memcpy(&srv.spare_init_stacks, s + PAGE, sizeof s);
		srv.nspare_init_stacks--;
		return s;
	}
	s = mmap(NULL, INIT_STACK_MAPPING, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	if (mprotect(s, PAGE, PROT_NONE) != 0 || mprotect(s + INIT_STACK_PROGRAM_TOP, PAGE, PROT_NONE) != 0) {
		int err = errno;
		munmap(s, INIT_STACK_MAPPING);
		errno = err;
		return NULL;
	}
	return s;
}

/* Only once the init that used it has exited (or never ran). */
static void init_stack_put(unsigned char *s)
{
	if (!s)
		return;
	if (srv.nspare_init_stacks >= MAX_SPARE_INIT_STACKS) {
		if (munmap(s, INIT_STACK_MAPPING) != 0)
			logmsg("munmap of an init stack: %s", strerror(errno));
		return;
	}
	memcpy(s + PAGE, &srv.spare_init_stacks, sizeof s);
	srv.spare_init_stacks = s;
	srv.nspare_init_stacks++;
}
#endif

static _Noreturn void child_main(struct child *c)
{
	step_drop_server_fds(c);
	step_wait_for_server(c);
	step_new_session(c);
	step_set_hostname(c);
	step_mounts(c);
	step_set_groups(c);
	step_set_gid(c);
	step_set_uid(c);
	step_parent_death_signal(c);
	step_no_new_privs(c);
	step_set_title(c);
	step_move_fds(c);
	step_chdir(c);
	step_restore_nofile(c);
#ifdef __linux__
	if (c->req->ns_mask & NS_PID)
		run_init(c);
#endif
	step_reset_signals(c);
	step_restore_time_slice(c);
	step_exec(c);
}

static int close_from(unsigned lo, int keep, unsigned fallback_max)
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

/* ------------------------------------------------------------------------ */
/* The server's half of a spawn                                              */
/* ------------------------------------------------------------------------ */

#ifdef __linux__
static unsigned long ns_to_clone_flags(uint32_t ns)
{
	unsigned long f = 0;
	if (ns & NS_USER)   f |= CLONE_NEWUSER;
	if (ns & NS_PID)    f |= CLONE_NEWPID;
	if (ns & NS_MOUNT)  f |= CLONE_NEWNS;
	if (ns & NS_UTS)    f |= CLONE_NEWUTS;
	if (ns & NS_IPC)    f |= CLONE_NEWIPC;
	if (ns & NS_NET)    f |= CLONE_NEWNET;
	if (ns & NS_CGROUP) f |= CLONE_NEWCGROUP;
	return f;
}
#endif

#ifdef __linux__
/* clone(2) entry point: the child gets its own copy of the context on its
 * own stack, so nothing it changes is seen by the server. */
static int child_entry(void *arg)
{
	struct child c = *(const struct child *)arg;
	child_main(&c);
}
#endif

/* Returns the child's pid in the server; does not return in the child. */
static pid_t create_child(struct child *c)
{
#ifdef __linux__
	if (srv.mode == MODE_CLONE) {
		/*
		 * CLONE_VM, like posix_spawn: the child runs in our address space
		 * on its own stack, which spares copying the page tables at clone
		 * and tearing the copy down at execve.  Unlike posix_spawn there is
		 * no CLONE_VFORK: we must keep running to write the id maps while
		 * the child waits for them.  This is safe because:
		 *  - the child writes only its own stack and srv.child_fds, which
		 *    the server does not touch until the child is gone;
		 *  - the child calls only async-signal-safe functions and raw
		 *    system calls (glibc does not know about this process: no
		 *    atfork handlers ran, and the thread pointer, hence errno and
		 *    the cached TID, are the server's);
		 *  - errno is shared, but the two never fail system calls at the
		 *    same time: the child blocks on the handshake pipe while we
		 *    work, and we block on the error pipe while it works;
		 *  - the stack is reused only after the error pipe hit EOF, which
		 *    happens after execve switched the child to a new address
		 *    space (or after exit released ours).
		 */
		int flags = SIGCHLD | (int)ns_to_clone_flags(c->req->ns_mask);
		void *stack = srv.child_stack_top;
		/* A PID namespace's first child stays as its init (run_init): on a
		 * stack of its own, in our memory only where that is safe. */
		if (c->req->ns_mask & NS_PID)
			stack = c->init_stack + INIT_STACK_MAPPING;
		if (!(c->req->ns_mask & NS_PID) || srv.init_shares_memory)
			flags |= CLONE_VM;
		return clone(child_entry, stack, flags, c);
	}
#endif
	pid_t pid = fork();
	if (pid == 0)
		child_main(c);
	return pid;
}

#ifdef __linux__
static int write_proc_file(pid_t pid, const char *name, const char *data, size_t len,
                           struct failure *f)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fail_set(f, errno, "opening %s", path);
		return -1;
	}
	/* The kernel takes a map in exactly one write. */
	ssize_t n = write(fd, data, len);
	int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err) {
		fail_set(f, err, "writing %s for pid %d", name, (int)pid);
		return -1;
	}
	return 0;
}

static int write_id_map(pid_t pid, const char *name, const unsigned char *map, uint32_t n,
                        struct failure *f)
{
	if (n == 0)
		return 0;
	size_t cap = (size_t)n * 33 + 1; /* "4294967295 4294967295 4294967295\n" */
	char *text = malloc(cap);
	if (!text) {
		fail_set(f, ENOMEM, "formatting %s for pid %d", name, (int)pid);
		return -1;
	}
	size_t len = 0;
	for (uint32_t i = 0; i < n; i++) {
		const unsigned char *e = map + (size_t)i * 12;
		len += (size_t)snprintf(text + len, cap - len, "%u %u %u\n",
		                        get_u32(e), get_u32(e + 4), get_u32(e + 8));
	}
	int r = write_proc_file(pid, name, text, len, f);
	free(text);
	return r;
}

/* setgroups must be settled before gid_map: an unprivileged writer may only
 * map gids after setgroups has been denied. */
static int write_user_ns_files(pid_t pid, const struct spawn_req *r, struct failure *f)
{
	/* "allow" is what a new user namespace starts with: only "deny" is written. */
	if (r->setgroups_mode == SETGROUPS_DENY &&
	    write_proc_file(pid, "setgroups", "deny", 4, f) != 0)
		return -1;
	if (write_id_map(pid, "uid_map", r->uidmap, r->n_uidmap, f) != 0)
		return -1;
	return write_id_map(pid, "gid_map", r->gidmap, r->n_gidmap, f);
}
#endif

/* Wait for one of our children, identified exactly (never waitpid(-1)). */
static void reap_child(pid_t pid, int pidfd)
{
#ifdef __linux__
	if (pidfd >= 0) {
		siginfo_t si;
		while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0) {
			if (errno != EINTR) {
				logmsg("waitid pidfd %d (pid %d): %s", pidfd, (int)pid, strerror(errno));
				return;
			}
		}
		return;
	}
#else
	(void)pidfd;
#endif
	while (waitpid(pid, NULL, 0) < 0) {
		if (errno != EINTR) {
			logmsg("waitpid %d: %s", (int)pid, strerror(errno));
			return;
		}
	}
}

/* Abort a half-made child: tell it to stop, kill it, reap it.  Killing by
 * pid is race-free here because it is our unreaped child. */
static void abort_child(pid_t pid, int pidfd, int hs_wr)
{
	int32_t handshake[2] = { pid, 1 };
	if (hs_wr >= 0 && write_full(hs_wr, handshake, sizeof handshake) != 0 && errno != EPIPE)
		logmsg("writing abort status to pid %d: %s", (int)pid, strerror(errno));
	if (kill(pid, SIGKILL) != 0)
		logmsg("kill %d: %s", (int)pid, strerror(errno));
	reap_child(pid, pidfd);
}

/* Read the child's report until EOF.  Returns 1 if the child reported a
 * failure (filled into f), 0 if the pipe closed empty (execve succeeded),
 * -1 if reading failed. */
static int read_child_report(int err_rd, struct failure *f)
{
	struct child_report r;
	size_t got = 0;
	for (;;) {
		char discard[256];
		char *dst = got < sizeof r ? (char *)&r + got : discard;
		size_t room = got < sizeof r ? sizeof r - got : sizeof discard;
		ssize_t n = read(err_rd, dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == 0)
		return 0;
	if (got <= offsetof(struct child_report, step)) {
		fail_set(f, EIO, "child sent a truncated error report (%zu bytes)", got);
		return 1;
	}
	size_t text_len = got - offsetof(struct child_report, step);
	if (text_len > sizeof r.step)
		text_len = sizeof r.step;
	r.step[text_len - 1] = '\0';
	fail_set(f, r.err, "%s", r.step);
	return 1;
}

static size_t rlim_to_fd_limit(rlim_t v)
{
	return v == RLIM_INFINITY || v > INT_MAX ? (size_t)INT_MAX : (size_t)v;
}

/* While we wait for a child's execve, we stay on the CPU we are on.  The
 * end of file on the error pipe at execve is a "sync" wake-up: the kernel
 * guesses that the child is about to sleep and moves us to the child's
 * CPU, where we then wait behind the program it runs, while the other CPU
 * idles (traced on a 2-CPU machine: 4 spawns in 10 had their reply sent
 * only once the program had exited).  The child keeps the whole mask: it
 * was cloned before we pin ourselves. */
struct cpu_pin {
	bool pinned;
#ifdef __linux__
	cpu_set_t was;
#endif
};

static void pin_to_this_cpu(struct cpu_pin *p)
{
	p->pinned = false;
#ifdef __linux__
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof p->was, &p->was) != 0 || CPU_COUNT(&p->was) < 2)
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	p->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
#endif
}

static void unpin(const struct cpu_pin *p)
{
#ifdef __linux__
	if (p->pinned && sched_setaffinity(0, sizeof p->was, &p->was) != 0)
		logmsg("restoring our CPU affinity: %s", strerror(errno));
#else
	(void)p;
#endif
}

/* An init's stack goes back once its init is dead and reaped. */
static void release_init_stack(unsigned char *s)
{
#ifdef __linux__
	init_stack_put(s);
#else
	(void)s;
#endif
}

/*
 * A child that shares our memory (CLONE_VM) and changes its ids makes that
 * memory non-dumpable, which gives every later child's /proc files to root:
 * a server running with CAP_SETUID and CAP_SETGID but not as root could then
 * no longer write their id maps.  The child has exec'd or died when this
 * runs, so the memory is ours alone again.
 */
static void restore_dumpable(const struct spawn_req *r)
{
#ifdef __linux__
	if (srv.dumpable && !(r->ns_mask & NS_PID) && (r->options & (OPT_SET_GROUPS | OPT_SET_GID | OPT_SET_UID)) &&
	    prctl(PR_SET_DUMPABLE, 1ul, 0ul, 0ul, 0ul) != 0)
		logmsg("prctl PR_SET_DUMPABLE 1: %s", strerror(errno));
#else
	(void)r;
#endif
}

/*
 * Create one child and see it through execve.  On success returns 0 with
 * *pid_out and *pidfd_out set; on failure returns -1 with f filled in and
 * no child left behind (killed and reaped) and no descriptor left open.
 */
static int spawn_child(const struct spawn_req *r, pid_t *pid_out, int *pidfd_out,
                       unsigned char **init_stack_out, struct failure *f)
{
	int hs[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int pidfd = -1;
	pid_t pid = 0;

	f->pid = 0;
	if (r->ns_mask != 0 && srv.mode != MODE_CLONE) {
		fail_set(f, EINVAL, "namespaces need clone mode");
		return -1;
	}
	if (r->ns_mask & ~srv.supported_ns) {
		fail_set(f, EINVAL, "namespaces 0x%x not supported by this kernel",
		         r->ns_mask & ~srv.supported_ns);
		return -1;
	}
	if ((r->options & OPT_MOUNT_PROC) && (r->ns_mask & (NS_MOUNT | NS_PID)) != (NS_MOUNT | NS_PID)) {
		fail_set(f, EINVAL, "MOUNT_PROC needs the MOUNT and PID namespaces");
		return -1;
	}
	unsigned char *init_stack = NULL;
#ifdef __linux__
	if ((r->ns_mask & NS_PID) && (init_stack = init_stack_get()) == NULL) {
		fail_set(f, errno, "allocating a stack for init");
		return -1;
	}
#endif
	if (pipe2(hs, O_CLOEXEC) != 0) {
		fail_set(f, errno, "creating handshake pipe");
		release_init_stack(init_stack);
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		fail_set(f, errno, "creating error pipe");
		close_fds(hs, 2);
		release_init_stack(init_stack);
		return -1;
	}

	/* Everything the child needs is prepared now: it may not allocate. */
	struct child c = {
		.req = r, .server_pid = srv.pid,
		.hs_rd = hs[0], .hs_wr = hs[1], .err_rd = ep[0], .err_wr = ep[1],
		.tmp_fds = srv.child_fds, .fd_limit = srv.fd_limit,
		.restore_nofile = srv.nofile_raised ? &srv.initial_nofile : NULL,
		.init_stack = init_stack,
	};

	pid = create_child(&c);
	if (pid < 0) {
		fail_set(f, errno, srv.mode == MODE_CLONE ? "clone" : "fork");
		close_fds(hs, 2);
		close_fds(ep, 2);
		release_init_stack(init_stack);
		return -1;
	}

	/* Parent.  The child's ends are its business now. */
	f->pid = pid;
	close_fds(&hs[0], 1);
	close_fds(&ep[1], 1);
	hs[0] = ep[1] = -1;

#ifdef __linux__
	/* Race-free: the child cannot be reaped before we wait for it. */
	pidfd = sys_pidfd_open(pid);
	if (pidfd < 0) {
		fail_set(f, errno, "pidfd_open for pid %d", (int)pid);
		goto abort;
	}
#endif
#ifdef __linux__
	if ((r->ns_mask & NS_USER) && write_user_ns_files(pid, r, f) != 0)
		goto abort;
#endif
	int32_t handshake[2] = { pid, 0 };
	if (write_full(hs[1], handshake, sizeof handshake) != 0) {
		fail_set(f, errno, "releasing child %d", (int)pid);
		goto abort;
	}

	/* Blocks until the child has exec'd (EOF, thanks to O_CLOEXEC) or
	 * reported a failed step.  The handshake write end stays open until
	 * then: the child's parent-death check relies on it. */
	struct cpu_pin pin;
	pin_to_this_cpu(&pin);
	int rep = read_child_report(ep[0], f);
	unpin(&pin);
	restore_dumpable(r);
	close_fds(&ep[0], 1);
	close_fds(&hs[1], 1);
	if (rep != 0) {
		if (rep < 0)
			fail_set(f, errno, "reading error pipe of pid %d", (int)pid);
		f->pid = pid;
		if (kill(pid, SIGKILL) != 0) /* normally already exiting with 127 */
			logmsg("kill %d: %s", (int)pid, strerror(errno));
		reap_child(pid, pidfd);
		if (pidfd >= 0)
			close_fds(&pidfd, 1);
		release_init_stack(init_stack);
		return -1;
	}
	*pid_out = pid;
	*pidfd_out = pidfd;
	*init_stack_out = init_stack;
	return 0;

abort:
	abort_child(pid, pidfd, hs[1]);
	f->pid = pid;
	close_fds(&hs[1], 1);
	close_fds(&ep[0], 1);
	if (pidfd >= 0)
		close_fds(&pidfd, 1);
	release_init_stack(init_stack);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Decoding SPAWN                                                            */
/* ------------------------------------------------------------------------ */

static int ensure_ptrs(size_t n)
{
	if (n <= srv.nptrs)
		return 0;
	char **p = realloc(srv.ptrs, n * sizeof *p);
	if (!p)
		return -1;
	srv.ptrs = p;
	srv.nptrs = n;
	return 0;
}

#define DECODE_FAIL(...) do { fail_set(f, EINVAL, "decoding spawn request: " __VA_ARGS__); return -1; } while (0)

static int decode_spawn(const unsigned char *buf, size_t len, const int *fds, size_t nfds_received,
                        struct spawn_req *r, struct failure *f)
{
	if (len < SPAWN_HEADER_SIZE)
		DECODE_FAIL("%zu bytes, shorter than the %u-byte header", len, SPAWN_HEADER_SIZE);
	const unsigned char *p = buf + 4;
	r->request_id     = get_u32(p);       p += 4;
	r->ns_mask        = get_u32(p);       p += 4;
	r->options        = get_u32(p);       p += 4;
	r->uid            = (int32_t)get_u32(p); p += 4;
	r->gid            = (int32_t)get_u32(p); p += 4;
	r->ngroups        = get_u32(p);       p += 4;
	r->setgroups_mode = get_u32(p);       p += 4;
	r->n_uidmap       = get_u32(p);       p += 4;
	r->n_gidmap       = get_u32(p);       p += 4;
	r->pdeath_signal  = get_u32(p);       p += 4;
	r->argc           = get_u32(p);       p += 4;
	r->envc           = get_u32(p);       p += 4;
	r->nfds           = get_u32(p);       p += 4;

	if (r->ns_mask & ~(uint32_t)NS_ALL)
		DECODE_FAIL("unknown ns_mask bits 0x%x", r->ns_mask & ~(uint32_t)NS_ALL);
	if (r->options & ~(uint32_t)OPT_ALL)
		DECODE_FAIL("unknown option bits 0x%x", r->options & ~(uint32_t)OPT_ALL);
	if (r->setgroups_mode > SETGROUPS_ALLOW)
		DECODE_FAIL("setgroups_mode %u", r->setgroups_mode);
	if (r->nfds < 3)
		DECODE_FAIL("nfds %u, at least 3 needed", r->nfds);
	if (r->nfds != nfds_received)
		DECODE_FAIL("nfds %u but %zu descriptors received", r->nfds, nfds_received);
	if (r->ngroups > 65536)
		DECODE_FAIL("ngroups %u exceeds 65536", r->ngroups);
	if (r->argc == 0)
		DECODE_FAIL("argc 0, argv[0] is required");

	size_t tables = (size_t)r->ngroups * 4 + ((size_t)r->n_uidmap + r->n_gidmap) * 12;
	size_t rest = len - SPAWN_HEADER_SIZE;
	if (tables > rest)
		DECODE_FAIL("ngroups %u, n_uidmap %u, n_gidmap %u need %zu bytes but %zu follow the header",
		            r->ngroups, r->n_uidmap, r->n_gidmap, tables, rest);
	r->groups = (const gid_t *)(const void *)p; /* 4-aligned: rx_words */
	p += (size_t)r->ngroups * 4;
	r->uidmap = p;
	p += (size_t)r->n_uidmap * 12;
	r->gidmap = p;
	p += (size_t)r->n_gidmap * 12;

	const char *s = (const char *)p, *end = (const char *)buf + len;
	size_t want = 4 + (size_t)r->argc + r->envc;
	if (want > (size_t)(end - s))
		DECODE_FAIL("argc %u and envc %u need more strings than %zu bytes can hold",
		            r->argc, r->envc, (size_t)(end - s));
	if (ensure_ptrs((size_t)r->argc + r->envc + 2) != 0) {
		fail_set(f, ENOMEM, "decoding spawn request: %u strings", r->argc + r->envc);
		return -1;
	}

	/* Walk the strings: path, cwd, hostname, title, argv..., envp... */
	const char *fixed[4];
	size_t count = 0;
	char **argv = srv.ptrs, **envp = srv.ptrs + r->argc + 1;
	while (s < end) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			DECODE_FAIL("string %zu is not NUL-terminated", count + 1);
		if (count < 4)
			fixed[count] = s;
		else if (count < 4 + (size_t)r->argc)
			argv[count - 4] = (char *)s;
		else if (count < want)
			envp[count - 4 - r->argc] = (char *)s;
		count++;
		s = nul + 1;
	}
	if (count < 4)
		DECODE_FAIL("%zu of the 4 strings path, cwd, hostname, title", count);
	if (count - 4 < r->argc)
		DECODE_FAIL("argc %u but %zu strings", r->argc, count - 4);
	if (count - 4 - r->argc < r->envc)
		DECODE_FAIL("envc %u but %zu strings", r->envc, count - 4 - r->argc);
	if (count > want)
		DECODE_FAIL("%zu strings after argv and envp", count - want);
	argv[r->argc] = NULL;
	envp[r->envc] = NULL;
	r->path = fixed[0];
	r->cwd = fixed[1];
	r->hostname = fixed[2];
	r->title = fixed[3];
	r->argv = argv;
	r->envp = envp;
	r->fds = fds;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Watching processes                                                        */
/* ------------------------------------------------------------------------ */

static _Noreturn void shutdown_and_exit(int status);

#ifdef __linux__
static int watch_add(int pidfd, pid_t pid, bool adopted, unsigned char *init_stack)
{
	if ((size_t)pidfd >= srv.nslots) {
		size_t n = srv.nslots ? srv.nslots : 256;
		while (n <= (size_t)pidfd)
			n *= 2;
		struct watch *w = realloc(srv.watches, n * sizeof *w);
		if (!w)
			return -1;
		memset(w + srv.nslots, 0, (n - srv.nslots) * sizeof *w);
		srv.watches = w;
		srv.nslots = n;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = pidfd };
	if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, pidfd, &ev) != 0)
		return -1;
	srv.watches[pidfd] = (struct watch){ .pid = pid, .adopted = adopted, .init_stack = init_stack };
	srv.nwatched++;
	return 0;
}

/* Explicit EPOLL_CTL_DEL: the JVM holds a duplicate of the same open file,
 * so close() alone would leave the registration (and its events) behind. */
static void watch_remove(int pidfd)
{
	struct watch *w = &srv.watches[pidfd];
	if (epoll_ctl(srv.epfd, EPOLL_CTL_DEL, pidfd, NULL) != 0)
		logmsg("epoll_ctl DEL pidfd %d (pid %d): %s", pidfd, (int)w->pid, strerror(errno));
	if (w->reap_deadline)
		srv.nwaiting_reap--;
	/* Exited and reaped by us (our child): its stack is free. */
	init_stack_put(w->init_stack);
	*w = (struct watch){ .pid = 0 };
	srv.nwatched--;
	close_fds(&pidfd, 1);
}

enum exit_info { EXIT_KNOWN, EXIT_NOT_YET, EXIT_UNKNOWN };

/* A process that is not our child: only pidfs can tell how it ended, and
 * it records that when the process is reaped (by its parent or init). */
static enum exit_info pidfs_exit_status(int pidfd, int *status)
{
	struct corral_pidfd_info info;
	int r;
	/* ESRCH once: the process was being reaped during the call (the kernel
	 * records the exit before it unhashes the pid), so asking again finds
	 * the status, as the JVM's PidfdExit does. */
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&info, 0, sizeof info);
		info.mask = CORRAL_PIDFD_INFO_EXIT;
		if ((r = ioctl(pidfd, CORRAL_PIDFD_GET_INFO, &info)) == 0 || errno != ESRCH)
			break;
	}
	if (r != 0)
		return EXIT_UNKNOWN; /* ENOTTY/EINVAL before 6.13; ESRCH if reaped before 6.15 */
	if (info.mask & CORRAL_PIDFD_INFO_EXIT) {
		*status = info.exit_code;
		return EXIT_KNOWN;
	}
	return EXIT_NOT_YET; /* a zombie that its parent has not reaped yet */
}

/* Whether pidfs keeps the status of a reaped process (Linux 6.15+): only
 * then may exit reports be held, since the JVM's waiting threads then learn
 * exits from their pidfds.  One throw-away child tells. */
static bool pidfs_keeps_exit_status(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(42);
	if (pid < 0)
		return false;
	int pidfd = sys_pidfd_open(pid); /* a zombie still has its pid */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (pidfd < 0)
		return false;
	int status = 0;
	bool kept = pidfs_exit_status(pidfd, &status) == EXIT_KNOWN && WIFEXITED(status) &&
	            WEXITSTATUS(status) == 42;
	close_fds(&pidfd, 1);
	return kept;
}

static void on_pidfd_ready(int pidfd, uint32_t events)
{
	if ((size_t)pidfd >= srv.nslots || srv.watches[pidfd].pid == 0)
		return; /* stale event */
	struct watch *w = &srv.watches[pidfd];
	pid_t pid = w->pid;
	int code = -1, sig = 0;
	bool known = false;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0) {
		if (si.si_pid == 0)
			return; /* not exited after all */
		known = true;
		if (si.si_code == CLD_EXITED)
			code = si.si_status;
		else
			sig = si.si_status; /* CLD_KILLED, CLD_DUMPED */
	} else if (errno == EINTR) {
		return; /* level-triggered: we will be back */
	} else if (errno != ECHILD) {
		logmsg("waitid pidfd %d (pid %d): %s", pidfd, (int)pid, strerror(errno));
	} else {
		int status = 0;
		enum exit_info e = pidfs_exit_status(pidfd, &status);
		if (e == EXIT_NOT_YET && !(events & EPOLLHUP) && w->reap_deadline == 0) {
			/* Exited but not yet reaped by its parent.  Stop listening
			 * for "exited" (it would fire forever) and wait for the
			 * hang-up that comes with the reap, for REAP_WAIT_MS. */
			struct epoll_event ev = { .events = 0, .data.fd = pidfd };
			if (epoll_ctl(srv.epfd, EPOLL_CTL_MOD, pidfd, &ev) == 0) {
				w->reap_deadline = now_ms() + REAP_WAIT_MS;
				srv.nwaiting_reap++;
				return;
			}
			logmsg("epoll_ctl MOD pidfd %d: %s", pidfd, strerror(errno));
		}
		if (e == EXIT_KNOWN && WIFEXITED(status)) {
			known = true;
			code = WEXITSTATUS(status);
		} else if (e == EXIT_KNOWN && WIFSIGNALED(status)) {
			known = true;
			sig = WTERMSIG(status);
		}
	}
	/* Forget the process before reporting it: when the JVM reads EXITED
	 * our descriptor for it is already closed. */
	watch_remove(pidfd);
	send_exited(pid, code, sig, known);
}

static void expire_reap_waits(void)
{
	int64_t now = now_ms();
	for (size_t fd = 0; fd < srv.nslots && srv.nwaiting_reap > 0; fd++) {
		struct watch *w = &srv.watches[fd];
		if (w->pid != 0 && w->reap_deadline != 0 && w->reap_deadline <= now) {
			logmsg("pid %d exited but was not reaped within %d ms; status unknown",
			       (int)w->pid, REAP_WAIT_MS);
			pid_t pid = w->pid;
			watch_remove((int)fd);
			send_exited(pid, -1, 0, false);
		}
	}
}

static void handle_adopt(const unsigned char *buf, size_t len, const int *fds, size_t nfds)
{
	if (len != 8 || nfds != 1) {
		logmsg("malformed ADOPT (%zu bytes, %zu descriptors): ignored", len, nfds);
		close_fds(fds, nfds);
		return;
	}
	pid_t pid = (pid_t)get_u32(buf + 4);
	int fd = fds[0];
	/* Signal 0 checks that this is a pidfd we may use.  ESRCH (already
	 * gone) is fine: epoll reports it at once and pidfs may know the
	 * status; EPERM still proves it is a pidfd. */
	if (sys_pidfd_send_signal(fd, 0) != 0 && errno != ESRCH && errno != EPERM) {
		logmsg("ADOPT of pid %d: descriptor %d is not a usable pidfd: %s",
		       (int)pid, fd, strerror(errno));
		send_exited(pid, -1, 0, false);
		close_fds(&fd, 1);
		return;
	}
	if (watch_add(fd, pid, true, NULL) != 0) {
		/* We cannot supervise it, so it must not run unsupervised. */
		logmsg("ADOPT of pid %d: watching: %s; killing it", (int)pid, strerror(errno));
		if (sys_pidfd_send_signal(fd, SIGKILL) != 0)
			logmsg("killing pid %d: %s", (int)pid, strerror(errno));
		send_exited(pid, -1, 0, false);
		close_fds(&fd, 1);
	}
}

/* End of file or a fatal error: nothing may outlive the JVM's interest. */
static _Noreturn void shutdown_and_exit(int status)
{
	/* Exits already seen still reach the JVM if it listens. */
	send_held_exits(srv.evt_fd);
	for (size_t fd = 0; fd < srv.nslots; fd++)
		if (srv.watches[fd].pid != 0 && sys_pidfd_send_signal((int)fd, SIGKILL) != 0 &&
		    errno != ESRCH)
			logmsg("killing pid %d: %s", (int)srv.watches[fd].pid, strerror(errno));
	for (size_t fd = 0; fd < srv.nslots; fd++) {
		if (srv.watches[fd].pid == 0)
			continue;
		siginfo_t si;
		while (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED) != 0 && errno == EINTR)
			;
		/* ECHILD for adopted processes: their own parent reaps them. */
	}
	exit(status);
}

#else /* !__linux__: a minimal fork-mode fallback without pidfds */

static int sigchld_pipe[2] = { -1, -1 };
static pid_t *children;
static size_t nchildren, cap_children;

static void on_sigchld(int sig)
{
	(void)sig;
	int saved = errno;
	if (write(sigchld_pipe[1], "c", 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

static int watch_add(int unused_fd, pid_t pid, bool adopted, unsigned char *init_stack)
{
	(void)unused_fd;
	(void)adopted;
	(void)init_stack;
	if (nchildren == cap_children) {
		size_t n = cap_children ? cap_children * 2 : 256;
		pid_t *p = realloc(children, n * sizeof *p);
		if (!p)
			return -1;
		children = p;
		cap_children = n;
	}
	children[nchildren++] = pid;
	return 0;
}

/* Translate a waitpid status to EXITED. */
static void send_exited_status(pid_t pid, int status)
{
	if (WIFEXITED(status))
		send_exited(pid, WEXITSTATUS(status), 0, true);
	else if (WIFSIGNALED(status))
		send_exited(pid, -1, WTERMSIG(status), true);
	else
		send_exited(pid, -1, 0, false);
}

static void collect_exits(void)
{
	for (size_t i = 0; i < nchildren;) {
		int st;
		pid_t r = waitpid(children[i], &st, WNOHANG);
		if (r == children[i] || (r < 0 && errno == ECHILD)) {
			if (r > 0)
				send_exited_status(children[i], st);
			else
				send_exited(children[i], -1, 0, false);
			children[i] = children[--nchildren];
		} else {
			i++;
		}
	}
}

static void handle_adopt(const unsigned char *buf, size_t len, const int *fds, size_t nfds)
{
	(void)buf;
	logmsg("ADOPT is not supported on this platform (%zu bytes): ignored", len);
	close_fds(fds, nfds);
}

static _Noreturn void shutdown_and_exit(int status)
{
	/* Exits already seen still reach the JVM if it listens. */
	send_held_exits(srv.evt_fd);
	for (size_t i = 0; i < nchildren; i++)
		if (kill(children[i], SIGKILL) != 0)
			logmsg("kill %d: %s", (int)children[i], strerror(errno));
	for (size_t i = 0; i < nchildren; i++)
		while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
			;
	exit(status);
}
#endif /* __linux__ */

/* ------------------------------------------------------------------------ */
/* Control messages                                                          */
/* ------------------------------------------------------------------------ */

static void handle_spawn(const unsigned char *buf, size_t len, const int *fds, size_t nfds,
                         const char *transport_problem)
{
	struct spawn_req r;
	static struct failure f; /* 4 KiB: keep it off the stack */
	uint32_t request_id = len >= 8 ? get_u32(buf + 4) : 0;
	pid_t pid = 0;
	int pidfd = -1;
	unsigned char *init_stack = NULL;

	memset(&r, 0, sizeof r);
	f.pid = 0;
	if (transport_problem) {
		fail_set(&f, EINVAL, "decoding spawn request: %s", transport_problem);
	} else if (decode_spawn(buf, len, fds, nfds, &r, &f) == 0 &&
	           spawn_child(&r, &pid, &pidfd, &init_stack, &f) == 0) {
		if (watch_add(pidfd, pid, false, init_stack) == 0) {
			struct msg_spawned m = {
				.type = MSG_SPAWNED, .request_id = request_id, .pid = pid,
				.ns_pid = (r.ns_mask & NS_PID) ? 2 : pid, /* init is 1 */
			};
			close_fds(fds, nfds); /* the child has its own copies */
			send_held_exits(CTL_FD);
			send_msg(&m, sizeof m, pidfd);
			return;
		}
		fail_set(&f, errno, "watching pid %d", (int)pid);
		f.pid = pid;
		if (kill(pid, SIGKILL) != 0)
			logmsg("kill %d: %s", (int)pid, strerror(errno));
		reap_child(pid, pidfd);
		if (pidfd >= 0)
			close_fds(&pidfd, 1);
		release_init_stack(init_stack);
	}
	close_fds(fds, nfds);
	send_held_exits(CTL_FD);
	send_failed(request_id, &f);
}

/* Is the peer really gone?  (SOCK_SEQPACKET delivers an empty datagram as a
 * zero-length read, the same as end of file.) */
static bool peer_hung_up(void)
{
#ifdef __linux__
	struct pollfd p = { .fd = CTL_FD, .events = POLLIN | POLLRDHUP };
#else
	struct pollfd p = { .fd = CTL_FD, .events = POLLIN };
#endif
	if (poll(&p, 1, 0) < 0)
		return true;
#ifdef __linux__
	return (p.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
#else
	return (p.revents & (POLLHUP | POLLERR)) != 0;
#endif
}

/* Read and act on one message.  Returns normally unless the server exits. */
static void handle_control_message(void)
{
	static int fds[MAX_MSG_FDS];
	union {
		char buf[CMSG_SPACE(MAX_MSG_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = RX_BUF, .iov_len = MAX_MSG };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf,
	};
#ifdef MSG_CMSG_CLOEXEC
	/* Received descriptors must not leak into other children. */
	const int flags = MSG_CMSG_CLOEXEC;
#else
	const int flags = 0;
#endif
	ssize_t n = recvmsg(CTL_FD, &m, flags);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		if (errno == ECONNRESET) {
			logmsg("control socket reset; killing watched processes");
			shutdown_and_exit(0);
		}
		logmsg("recvmsg on control socket: %s", strerror(errno));
		shutdown_and_exit(1);
	}

	size_t nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < MAX_MSG_FDS; i++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}

	if (n == 0 && nfds == 0) {
		if (peer_hung_up()) {
			logmsg("end of file on control socket; killing watched processes");
			shutdown_and_exit(0);
		}
		logmsg("empty datagram ignored");
		return;
	}
	size_t len = (size_t)n;
	if (len < 4) {
		logmsg("datagram of %zu bytes ignored", len);
		close_fds(fds, nfds);
		return;
	}
	uint32_t type = get_u32(RX_BUF);
	const char *problem = NULL;
	if (m.msg_flags & MSG_TRUNC)
		problem = "message longer than 262144 bytes";
	else if (m.msg_flags & MSG_CTRUNC)
		problem = "descriptors were dropped (more than 253, or the server is out of descriptors)";

	switch (type) {
	case MSG_SPAWN:
		handle_spawn(RX_BUF, len, fds, nfds, problem);
		break;
	case MSG_ADOPT:
		handle_adopt(RX_BUF, len, fds, nfds);
		break;
	case MSG_DETACH:
		/* Leave every child running; the JVM hands them to the next
		 * server by ADOPT.  exit() closes every descriptor. */
		close_fds(fds, nfds);
		send_held_exits(srv.evt_fd);
		logmsg("DETACH: exiting, %zu process(es) left running",
#ifdef __linux__
		       srv.nwatched
#else
		       nchildren
#endif
		);
		exit(0);
	default:
		logmsg("unknown message type %u (%zu bytes) ignored", type, len);
		close_fds(fds, nfds);
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* Start-up                                                                  */
/* ------------------------------------------------------------------------ */

/* The JVM leaks descriptors into us; keep only 0, 1, 2 and the sockets. */
static void close_inherited_fds(void)
{
	unsigned first = (unsigned)srv.evt_fd + 1;
#ifdef __linux__
	if (syscall(SYS_close_range, first, ~0u, 0u) == 0)
		return;
	if (errno != ENOSYS && errno != EINVAL) {
		logmsg("close_range: %s", strerror(errno));
		exit(2);
	}
#endif
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		d = opendir("/dev/fd");
	if (!d) {
		struct rlimit rl;
		unsigned max = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (unsigned)rlim_to_fd_limit(rl.rlim_cur)
		                                                  : 1024u;
		if (close_from(first, -1, max) != 0) {
			logmsg("closing inherited descriptors: %s", strerror(errno));
			exit(2);
		}
		return;
	}
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end == '\0' && e->d_name[0] != '\0' && fd >= (long)first && fd != self)
			if (close((int)fd) != 0) /* safe while listing /proc/self/fd */
				logmsg("close %ld: %s", fd, strerror(errno));
	}
	closedir(d);
}

static uint32_t probe_namespaces(void)
{
#ifdef __linux__
	static const struct { const char *file; uint32_t bit; } ns[] = {
		{ "/proc/self/ns/user", NS_USER }, { "/proc/self/ns/pid", NS_PID },
		{ "/proc/self/ns/mnt", NS_MOUNT }, { "/proc/self/ns/uts", NS_UTS },
		{ "/proc/self/ns/ipc", NS_IPC },   { "/proc/self/ns/net", NS_NET },
		{ "/proc/self/ns/cgroup", NS_CGROUP },
	};
	uint32_t mask = 0;
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		if (access(ns[i].file, F_OK) == 0)
			mask |= ns[i].bit;
	return mask;
#else
	return 0;
#endif
}

/* A JVM can hand us a socket with O_NONBLOCK set, and it must not be
 * inherited across exec (children never hold it). */
static void prepare_socket(int fd, const char *what)
{
	int type = 0;
	socklen_t tlen = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_SEQPACKET) {
		logmsg("%s socket fd %d is not a SOCK_SEQPACKET socket", what, fd);
		exit(2);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		logmsg("fcntl on %s socket fd %d: %s", what, fd, strerror(errno));
		exit(2);
	}
}

static void setup_process(void)
{
	prepare_socket(CTL_FD, "control");
	if (srv.evt_fd != CTL_FD)
		prepare_socket(srv.evt_fd, "events");

	/* A vanished JVM must show up as EPIPE, not kill us. SIGCHLD must not
	 * be inherited as SIG_IGN: the kernel would then auto-reap children
	 * and waitid would have nothing to report. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0) {
		logmsg("ignoring SIGPIPE: %s", strerror(errno));
		exit(2);
	}
	sa.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &sa, NULL) != 0) {
		logmsg("resetting SIGCHLD: %s", strerror(errno));
		exit(2);
	}
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) {
		logmsg("clearing signal mask: %s", strerror(errno));
		exit(2);
	}

	/* Every watched process costs a descriptor: take all we may. */
	if (getrlimit(RLIMIT_NOFILE, &srv.initial_nofile) != 0) {
		logmsg("getrlimit RLIMIT_NOFILE: %s", strerror(errno));
		exit(2);
	}
	if (srv.initial_nofile.rlim_cur < srv.initial_nofile.rlim_max) {
		struct rlimit raised = srv.initial_nofile;
		raised.rlim_cur = raised.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			srv.nofile_raised = true;
		else
			logmsg("raising RLIMIT_NOFILE to %llu: %s",
			       (unsigned long long)raised.rlim_cur, strerror(errno));
	}
	struct rlimit now;
	srv.fd_limit = getrlimit(RLIMIT_NOFILE, &now) == 0 ? (unsigned)rlim_to_fd_limit(now.rlim_cur)
	                                                   : 1024u;
	srv.child_fds = malloc(MAX_MSG_FDS * sizeof *srv.child_fds);
	if (!srv.child_fds || ensure_ptrs(1024) != 0) {
		logmsg("out of memory");
		exit(2);
	}
#ifdef __linux__
	if (srv.mode == MODE_CLONE) {
		/* One stack serves every child in turn, with a guard page below. */
		unsigned char *stk = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stk == MAP_FAILED || mprotect(stk, 4096, PROT_NONE) != 0) {
			logmsg("allocating the child stack: %s", strerror(errno));
			exit(2);
		}
		srv.child_stack_top = stk + CHILD_STACK_SIZE; /* stacks grow down */
	}
#endif
}

/* Which signals a child must set back to SIG_DFL: the ones ignored or
 * handled here, whether we did it or inherited it.  Asked once, after the
 * server's own dispositions are final. */
static void record_signal_dispositions(void)
{
	srv.nreset_signals = 0;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && !has_default_disposition(sig))
			srv.reset_signals[srv.nreset_signals++] = sig;
}

/*
 * The server wakes when a child execs, on the CPU where the child now runs,
 * and with the default time slice it would wait there until the program
 * blocks or exits (often its whole life) before it could send SPAWNED. A
 * short slice lets it preempt the program for the few microseconds it needs
 * (Linux 6.12+, EEVDF). Only for SCHED_OTHER, keeping our nice value; the
 * children get the default slice back before exec.
 */
static void ask_for_a_short_time_slice(void)
{
#ifdef __linux__
	struct corral_sched_attr a;
	memset(&a, 0, sizeof a);
	if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0u) != 0 || a.sched_policy != CORRAL_SCHED_OTHER)
		return;
	srv.nice = a.sched_nice;
	srv.short_slice = set_fair_scheduling(a.sched_nice, 100 * 1000) == 0;
#endif
}

int main(int argc, char **argv)
{
	bool usage = argc < 2 || (strcmp(argv[1], "clone") != 0 && strcmp(argv[1], "fork") != 0);
	/* Options: exit reports on their own socket, and held for a reply to
	 * carry them (see the protocol doc). */
	for (int i = 2; !usage && i < argc; i += 2) {
		char *end = NULL;
		long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
		bool number = end && end != argv[i + 1] && *end == '\0';
		if (strcmp(argv[i], "--events-fd") == 0 && number && v > CTL_FD && v <= 64)
			srv.evt_fd = (int)v;
		else if (strcmp(argv[i], "--hold-exits") == 0 && number && v >= 0 && v <= MAX_HOLD_EXITS_MS)
			srv.hold_exits_ms = (int)v;
		else
			usage = true;
	}
	/* Held reports need a socket of their own to go out on when no reply comes. */
	if (usage || (srv.hold_exits_ms > 0 && srv.evt_fd == CTL_FD)) {
		fprintf(stderr, "usage: corral-spawnd clone|fork [--events-fd N [--hold-exits MS]]"
		        "   (control socket at fd 3; N in 4..64, MS in 0..%d)\n", MAX_HOLD_EXITS_MS);
		return 2;
	}
	close_inherited_fds();
	srv.pid = getpid();
	/* Out of the JVM's session: a terminal's Ctrl-C must not reach us. */
	if (setsid() < 0 && getsid(0) != srv.pid)
		logmsg("setsid: %s", strerror(errno));
#ifdef __linux__
	/* As root, inits share our memory, which must then be non-dumpable
	 * (see run_init). */
	srv.init_shares_memory = HAVE_RAW_SYSCALL && geteuid() == 0;
	if (srv.init_shares_memory && prctl(PR_SET_DUMPABLE, 0ul, 0ul, 0ul, 0ul) != 0) {
		logmsg("prctl PR_SET_DUMPABLE 0: %s", strerror(errno));
		srv.init_shares_memory = false;
	}
	srv.dumpable = prctl(PR_GET_DUMPABLE, 0ul, 0ul, 0ul, 0ul) == 1;
#endif
	srv.mode = strcmp(argv[1], "clone") == 0 ? MODE_CLONE : MODE_FORK;
#ifndef __linux__
	if (srv.mode == MODE_CLONE) {
		logmsg("clone mode needs Linux");
		return 2;
	}
#endif
	setup_process();
#ifdef __linux__
	if (srv.hold_exits_ms > 0 && !pidfs_keeps_exit_status()) {
		logmsg("--hold-exits ignored: this kernel keeps no exit status for a pidfd");
		srv.hold_exits_ms = 0;
	}
#else
	srv.hold_exits_ms = 0; /* the JVM learns exits only from our reports here */
#endif
	srv.supported_ns = srv.mode == MODE_CLONE ? probe_namespaces() : 0;

#ifdef __linux__
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv.epfd < 0) {
		logmsg("epoll_create1: %s", strerror(errno));
		return 2;
	}
	struct epoll_event ctl_ev = { .events = EPOLLIN, .data.fd = CTL_FD };
	if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, CTL_FD, &ctl_ev) != 0) {
		logmsg("epoll_ctl ADD control socket: %s", strerror(errno));
		return 2;
	}
#else
	if (pipe(sigchld_pipe) != 0 ||
	    fcntl(sigchld_pipe[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(sigchld_pipe[1], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(sigchld_pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(sigchld_pipe[1], F_SETFL, O_NONBLOCK) != 0) {
		logmsg("SIGCHLD pipe: %s", strerror(errno));
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) != 0) {
		logmsg("SIGCHLD handler: %s", strerror(errno));
		return 2;
	}
#endif
	record_signal_dispositions();
	ask_for_a_short_time_slice();

	struct msg_hello hello = {
		.type = MSG_HELLO, .version = PROTOCOL_VERSION, .mode = (uint32_t)srv.mode,
		.supported_ns = srv.supported_ns, .server_pid = srv.pid,
	};
	send_msg(&hello, sizeof hello, -1);

	for (;;) {
#ifdef __linux__
		struct epoll_event evs[64];
		int n = epoll_wait(srv.epfd, evs, 64, held_exits_timeout(srv.nwaiting_reap ? 100 : -1));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			logmsg("epoll_wait: %s", strerror(errno));
			shutdown_and_exit(1);
		}
		/* Exits first, the control message last: a spawn may reuse a
		 * descriptor number that a later event in this batch names. */
		bool ctl_ready = false;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == CTL_FD)
				ctl_ready = true;
			else
				on_pidfd_ready(evs[i].data.fd, evs[i].events);
		}
		if (srv.nwaiting_reap)
			expire_reap_waits();
		if (ctl_ready)
			handle_control_message();
		send_due_exits();
#else
		struct pollfd p[2] = {
			{ .fd = CTL_FD, .events = POLLIN },
			{ .fd = sigchld_pipe[0], .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg("poll: %s", strerror(errno));
			shutdown_and_exit(1);
		}
		if (p[1].revents) {
			char drain[64];
			while (read(sigchld_pipe[0], drain, sizeof drain) > 0)
				;
			collect_exits();
		}
		if (p[0].revents)
			handle_control_message();
#endif
	}
}
