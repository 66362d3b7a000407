/*
 * corral-spawnd -- the child's half of a spawn: the steps it takes between
 * clone (or fork) and execve, each of which either succeeds or reports
 * {errno, step text} on the error pipe, and on Linux the init of a new PID
 * namespace, which starts the program as pid 2 and forwards signals to it,
 * with its raw system calls and the cache of init stacks.
 */
#include "spawnd.h"

#ifdef __linux__
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
#endif /* __linux__ */

/* ------------------------------------------------------------------------ */
/* The child: small steps between clone and execve                          */
/*                                                                           */
/* Everything here runs in the new child before execve.  In clone mode it  */
/* shares the server's memory and glibc does not know it exists (see       */
/* create_child).  Only async-signal-safe functions and raw system calls   */
/* are allowed: no malloc, no stdio, no locks.  Each step either succeeds  */
/* or reports {errno, step text} on the error pipe and exits with 127.     */
/* ------------------------------------------------------------------------ */

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
_Noreturn void child_fail_s(const struct child *c, const char *what, const char *arg)
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
	step_filesystem(c);
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

/* The server raised its own RLIMIT_NOFILE; children get what it was given,
 * unless the request sets it. */
static void step_restore_nofile(const struct child *c)
{
	for (uint32_t i = 0; i < c->req->n_rlimits; i++)
		if (c->req->rlimits[i].resource == RLIMIT_NOFILE)
			return;
	if (c->restore_nofile && setrlimit(RLIMIT_NOFILE, c->restore_nofile) != 0)
		child_fail_n(c, "setrlimit RLIMIT_NOFILE ", (long long)c->restore_nofile->rlim_cur);
}

/* The request's limits, after the descriptors are in place (a low nofile
 * must not stop their moves), for init and the program alike. */
static void step_rlimits(const struct child *c)
{
	for (uint32_t i = 0; i < c->req->n_rlimits; i++)
		if (setrlimit(c->req->rlimits[i].resource, &c->req->rlimits[i].limit) != 0)
			child_fail_s(c, "setrlimit ", c->req->rlimits[i].text);
}

#ifdef __linux__
/* SCHED_OTHER with the given nice and, if slice_ns is not 0, that time
 * slice (Linux 6.12+; older kernels ignore sched_runtime for it). */
int set_fair_scheduling(int nice, uint64_t slice_ns)
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
static long raw_syscall(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
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

unsigned char *init_stack_get(void)
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
void init_stack_put(unsigned char *s)
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

_Noreturn void child_main(struct child *c)
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
	step_rlimits(c);
#ifdef __linux__
	if (c->req->ns_mask & NS_PID)
		run_init(c);
#endif
	step_reset_signals(c);
	step_restore_time_slice(c);
	step_exec(c);
}
