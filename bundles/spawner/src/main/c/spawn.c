/*
 * corral-spawnd -- the server's half of a spawn: it creates the child
 * (clone with namespace flags, or fork), writes a new user namespace's
 * setgroups and id maps, releases the child through the handshake pipe,
 * and waits on the error pipe, pinned to its CPU, until the child has
 * exec'd or reported the step that failed; a child that failed is killed
 * and reaped before the failure is reported.
 */
#include "spawnd.h"

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

#if defined(__linux__) && HAVE_CLONE3
/* struct clone_args (include/uapi/linux/sched.h), CLONE_ARGS_SIZE_VER2. */
struct corral_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CORRAL_CLONE_INTO_CGROUP 0x200000000ULL
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/*
 * clone3 that runs fn(arg) in the child on the stack the arguments give,
 * as glibc's clone does for clone(2); glibc has no clone3 of its own to
 * offer.  The child must not return into C code of the parent's stack
 * frames, so the switch happens here: after the system call the child
 * calls fn and exits with its result.  Returns the pid or -errno.
 */
long corral_clone3(struct corral_clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(
	".text\n"
	".globl corral_clone3\n"
	".type corral_clone3, @function\n"
	"corral_clone3:\n"
	"	mov %rdx, %r8\n"          /* fn and arg survive the system call in r8, r9 */
	"	mov %rcx, %r9\n"
	"	mov $" "435" ", %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"         /* the child: a fresh frame on its own stack */
	"	mov %r9, %rdi\n"
	"	call *%r8\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"          /* exit(fn's result) */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n"
	".size corral_clone3, .-corral_clone3\n");

/* Returns the pid, or -1 with errno; ENOSYS or EINVAL mean no clone3 into a cgroup here. */
static pid_t clone_into_cgroup(int flags, void *stack_top, size_t stack_size, int cgroup_fd, struct child *c)
{
	struct corral_clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = (uint64_t)(unsigned)(flags & ~CSIGNAL) | CORRAL_CLONE_INTO_CGROUP;
	a.exit_signal = (uint64_t)(flags & CSIGNAL);
	a.stack = (uint64_t)(uintptr_t)((unsigned char *)stack_top - stack_size);
	a.stack_size = stack_size;
	a.cgroup = (uint64_t)cgroup_fd;
	long r = corral_clone3(&a, sizeof a, child_entry, c);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return (pid_t)r;
}
#endif

/* Returns the child's pid in the server; does not return in the child.
 * With a cgroup (cgroup_fd >= 0) *joined tells whether the child was born
 * inside it; if not, the caller moves it in during the handshake. */
static pid_t create_child(struct child *c, int cgroup_fd, bool *joined)
{
	*joined = false;
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
		size_t stack_size = CHILD_STACK_SIZE - PAGE; /* above the guard page */
		/* A PID namespace's first child stays as its init (run_init): on a
		 * stack of its own, in our memory only where that is safe. */
		if (c->req->ns_mask & NS_PID) {
			stack = c->init_stack + INIT_STACK_MAPPING;
			stack_size = INIT_STACK_REGION;
		}
		if (!(c->req->ns_mask & NS_PID) || srv.init_shares_memory)
			flags |= CLONE_VM;
#if HAVE_CLONE3
		if (cgroup_fd >= 0 && srv.cg.clone3) {
			pid_t pid = clone_into_cgroup(flags, stack, stack_size, cgroup_fd, c);
			if (pid >= 0 || (errno != ENOSYS && errno != EINVAL && errno != E2BIG)) {
				*joined = pid >= 0;
				return pid;
			}
			logmsg("clone3 into a cgroup: %s; children are moved into their cgroup instead", strerror(errno));
			srv.cg.clone3 = false;
		}
#else
		(void)stack_size;
#endif
		return clone(child_entry, stack, flags, c);
	}
#endif
	(void)cgroup_fd;
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
void reap_child(pid_t pid, int pidfd)
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

/* A cgroup goes back once its child is dead and reaped (or never was). */
void release_cgroup(struct cg_leaf *cg)
{
#ifdef __linux__
	if (cg)
		cg_child_gone(cg, NULL);
#else
	(void)cg;
#endif
}

/* An init's stack goes back once its init is dead and reaped. */
void release_init_stack(unsigned char *s)
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
int spawn_child(const struct spawn_req *r, pid_t *pid_out, int *pidfd_out,
                unsigned char **init_stack_out, struct cg_leaf **cg_out, struct failure *f)
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
	struct cg_leaf *cg = NULL;
#ifdef __linux__
	cg = cg_prepare(r, f);
	if (!cg && f->err != 0)
		return -1;
#endif
	unsigned char *init_stack = NULL;
#ifdef __linux__
	if ((r->ns_mask & NS_PID) && (init_stack = init_stack_get()) == NULL) {
		fail_set(f, errno, "allocating a stack for init");
		release_cgroup(cg);
		return -1;
	}
#endif
	if (pipe2(hs, O_CLOEXEC) != 0) {
		fail_set(f, errno, "creating handshake pipe");
		release_init_stack(init_stack);
		release_cgroup(cg);
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) != 0) {
		fail_set(f, errno, "creating error pipe");
		close_fds(hs, 2);
		release_init_stack(init_stack);
		release_cgroup(cg);
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

	bool joined;
	pid = create_child(&c, cg ? cg_leaf_fd(cg) : -1, &joined);
	if (pid < 0) {
		fail_set(f, errno, srv.mode == MODE_CLONE ? "clone" : "fork");
		close_fds(hs, 2);
		close_fds(ep, 2);
		release_init_stack(init_stack);
		release_cgroup(cg);
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
	if (cg && cg_enter(cg, pid, joined, f) != 0)
		goto abort;
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
		release_cgroup(cg);
		return -1;
	}
	*pid_out = pid;
	*pidfd_out = pidfd;
	*init_stack_out = init_stack;
	*cg_out = cg;
	return 0;

abort:
	abort_child(pid, pidfd, hs[1]);
	f->pid = pid;
	close_fds(&hs[1], 1);
	close_fds(&ep[0], 1);
	if (pidfd >= 0)
		close_fds(&pidfd, 1);
	release_init_stack(init_stack);
	release_cgroup(cg);
	return -1;
}
