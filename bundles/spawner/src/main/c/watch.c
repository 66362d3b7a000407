/*
 * corral-spawnd -- watching processes and reporting their exits.  On Linux
 * every spawned or adopted process is watched through its pidfd in the
 * epoll set, reaped by that pidfd (never waitpid(-1)), or, if it is not
 * our child, its status is asked of pidfs once its parent has reaped it.
 * Elsewhere a SIGCHLD handler wakes the loop and every child is waited
 * for by its pid.  Exit reports go out at once or are held for the next
 * reply (--hold-exits); shutdown_and_exit kills and reaps whatever is
 * still watched.
 */
#include "spawnd.h"

#ifdef __linux__
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

/* ------------------------------------------------------------------------ */
/* Exit reports                                                             */
/* ------------------------------------------------------------------------ */

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
void send_exited(pid_t pid, int exit_code, int sig, bool known, bool oom_killed)
{
	struct msg_exited m = {
		.type = MSG_EXITED, .pid = pid, .exit_code = exit_code, .signal = sig,
		.flags = (known ? EXITED_STATUS_KNOWN : 0u) | (oom_killed ? EXITED_OOM_KILL : 0u),
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
void send_held_exits(int sock)
{
	size_t n = srv.nheld;
	srv.nheld = 0;
	for (size_t i = 0; i < n; i++)
		send_msg_on(sock, &srv.held[i], sizeof srv.held[i], -1);
}

/* How long the event loop may sleep: until the oldest held report is due. */
int held_exits_timeout(int timeout_ms)
{
	if (srv.nheld == 0)
		return timeout_ms;
	int64_t left = srv.held_deadline - now_ms();
	int due = left <= 0 ? 0 : (int)left;
	return timeout_ms < 0 || due < timeout_ms ? due : timeout_ms;
}

void send_due_exits(void)
{
	if (srv.nheld > 0 && now_ms() >= srv.held_deadline)
		send_held_exits(srv.evt_fd);
}

/* ------------------------------------------------------------------------ */
/* Watching processes                                                        */
/* ------------------------------------------------------------------------ */

#ifdef __linux__
int watch_add(int pidfd, pid_t pid, bool adopted, unsigned char *init_stack, struct cg_leaf *cg)
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
	srv.watches[pidfd] = (struct watch){ .pid = pid, .adopted = adopted, .init_stack = init_stack, .cg = cg };
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
	release_cgroup(w->cg);
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

/* A zombie's wait status, from field 52 of /proc/PID/stat (Linux 3.5+), or
 * -1.  A process that is not our child is often reaped late (an init that
 * reaps now and then): until it is, its pid is still its own, and its
 * status already there. */
static int zombie_status(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_small_file(AT_FDCWD, path, buf, sizeof buf) <= 0)
		return -1;
	char *s = strrchr(buf, ')'); /* the command name may hold anything */
	if (!s || s[1] != ' ' || s[2] != 'Z')
		return -1;
	s += 2; /* field 3, the state */
	for (int field = 3; field < 52; field++) {
		s = strchr(s, ' ');
		if (!s)
			return -1;
		s++;
	}
	char *end;
	long v = strtol(s, &end, 10);
	return end == s || v < 0 || v > 0xffff ? -1 : (int)v;
}

/* Whether pidfs keeps the status of a reaped process (Linux 6.15+): only
 * then may exit reports be held, since the JVM's waiting threads then learn
 * exits from their pidfds.  One throw-away child tells. */
bool pidfs_keeps_exit_status(void)
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

void on_pidfd_ready(int pidfd, uint32_t events)
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
		if (e == EXIT_NOT_YET && (status = zombie_status(pid)) >= 0)
			e = EXIT_KNOWN;
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
	/* What it left behind in its cgroup dies with it; the OOM killer's
	 * count is read before the cgroup goes. */
	bool oom = false;
	if (w->cg) {
		cg_child_gone(w->cg, &oom);
		w->cg = NULL;
	}
	/* Forget the process before reporting it: when the JVM reads EXITED
	 * our descriptor for it is already closed. */
	watch_remove(pidfd);
	send_exited(pid, code, sig, known, oom);
}

void expire_reap_waits(void)
{
	int64_t now = now_ms();
	for (size_t fd = 0; fd < srv.nslots && srv.nwaiting_reap > 0; fd++) {
		struct watch *w = &srv.watches[fd];
		if (w->pid != 0 && w->reap_deadline != 0 && w->reap_deadline <= now) {
			logmsg("pid %d exited but was not reaped within %d ms; status unknown",
			       (int)w->pid, REAP_WAIT_MS);
			pid_t pid = w->pid;
			watch_remove((int)fd);
			send_exited(pid, -1, 0, false, false);
		}
	}
}

/* End of file or a fatal error: nothing may outlive the JVM's interest. */
_Noreturn void shutdown_and_exit(int status)
{
	/* Exits already seen still reach the JVM if it listens. */
	send_held_exits(srv.evt_fd);
	for (size_t fd = 0; fd < srv.nslots; fd++)
		if (srv.watches[fd].pid != 0 && sys_pidfd_send_signal((int)fd, SIGKILL) != 0 &&
		    errno != ESRCH)
			logmsg("killing pid %d: %s", (int)srv.watches[fd].pid, strerror(errno));
	/* And everything they started, wherever it went in its session. */
	cg_kill_all();
	for (size_t fd = 0; fd < srv.nslots; fd++) {
		if (srv.watches[fd].pid == 0)
			continue;
		siginfo_t si;
		while (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED) != 0 && errno == EINTR)
			;
		/* ECHILD for adopted processes: their own parent reaps them. */
	}
	cg_finish();
	exit(status);
}

#else /* !__linux__: a minimal fork-mode fallback without pidfds */

int sigchld_pipe[2] = { -1, -1 };
static pid_t *children;
size_t nchildren;
static size_t cap_children;

void on_sigchld(int sig)
{
	(void)sig;
	int saved = errno;
	if (write(sigchld_pipe[1], "c", 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
	errno = saved;
}

int watch_add(int unused_fd, pid_t pid, bool adopted, unsigned char *init_stack, struct cg_leaf *cg)
{
	(void)unused_fd;
	(void)adopted;
	(void)init_stack;
	(void)cg;
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
		send_exited(pid, WEXITSTATUS(status), 0, true, false);
	else if (WIFSIGNALED(status))
		send_exited(pid, -1, WTERMSIG(status), true, false);
	else
		send_exited(pid, -1, 0, false, false);
}

void collect_exits(void)
{
	for (size_t i = 0; i < nchildren;) {
		int st;
		pid_t r = waitpid(children[i], &st, WNOHANG);
		if (r == children[i] || (r < 0 && errno == ECHILD)) {
			if (r > 0)
				send_exited_status(children[i], st);
			else
				send_exited(children[i], -1, 0, false, false);
			children[i] = children[--nchildren];
		} else {
			i++;
		}
	}
}

_Noreturn void shutdown_and_exit(int status)
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
