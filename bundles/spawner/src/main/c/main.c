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
 *   usage: corral-spawnd clone|fork [--events-fd N [--hold-exits MS]] [--cgroup DIR]
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
#include "spawnd.h"

struct server srv = { .epfd = -1, .evt_fd = CTL_FD, .cg = { .dir = -1, .inotify = -1 } };

/* The receive buffer is an array of uint32_t so that the gid list inside it
 * may be handed to setgroups as gid_t[] without aliasing trouble. */
static uint32_t rx_words[MAX_MSG / 4];
#define RX_BUF ((unsigned char *)rx_words)

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */
/* ------------------------------------------------------------------------ */

/* Send one datagram, with up to 4 descriptors.  A dead peer means the
 * JVM is gone: that is handled like end of file. */
static void send_msg_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		memset(&ctl, 0, sizeof ctl);
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
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

/* Send one datagram, with an optional descriptor (-1: none). */
void send_msg_on(int sock, const void *data, size_t len, int fd)
{
	send_msg_fds(sock, data, len, &fd, fd >= 0 ? 1 : 0);
}

/* Replies and HELLO go on the control socket. */
static void send_msg(const void *data, size_t len, int fd)
{
	send_msg_on(CTL_FD, data, len, fd);
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

/* "NAME=SOFT[:HARD]" with "unlimited" for either; the names of prlimit(1). */
static int parse_rlimit(const char *text, struct rlimit_req *out)
{
	static const struct { const char *name; int resource; } names[] = {
		{ "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
		{ "fsize", RLIMIT_FSIZE }, { "nofile", RLIMIT_NOFILE }, { "stack", RLIMIT_STACK },
#ifdef RLIMIT_LOCKS
		{ "locks", RLIMIT_LOCKS },
#endif
#ifdef RLIMIT_MEMLOCK
		{ "memlock", RLIMIT_MEMLOCK },
#endif
#ifdef RLIMIT_MSGQUEUE
		{ "msgqueue", RLIMIT_MSGQUEUE },
#endif
#ifdef RLIMIT_NICE
		{ "nice", RLIMIT_NICE },
#endif
#ifdef RLIMIT_NPROC
		{ "nproc", RLIMIT_NPROC },
#endif
#ifdef RLIMIT_RSS
		{ "rss", RLIMIT_RSS },
#endif
#ifdef RLIMIT_RTPRIO
		{ "rtprio", RLIMIT_RTPRIO },
#endif
#ifdef RLIMIT_RTTIME
		{ "rttime", RLIMIT_RTTIME },
#endif
#ifdef RLIMIT_SIGPENDING
		{ "sigpending", RLIMIT_SIGPENDING },
#endif
	};
	const char *eq = strchr(text, '=');
	if (!eq)
		return -1;
	size_t nlen = (size_t)(eq - text);
	out->resource = -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == nlen && strncmp(text, names[i].name, nlen) == 0)
			out->resource = names[i].resource;
	if (out->resource < 0)
		return -1;
	rlim_t v[2];
	const char *p = eq + 1;
	for (int i = 0; i < 2; i++) {
		if (strncmp(p, "unlimited", 9) == 0) {
			v[i] = RLIM_INFINITY;
			p += 9;
		} else {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(p, &end, 10);
			if (end == p || errno != 0 || *p == '-')
				return -1;
			v[i] = (rlim_t)n;
			p = end;
		}
		if (i == 0 && *p == ':')
			p++;
		else if (i == 0) {
			v[1] = v[0];
			break;
		}
	}
	if (*p != '\0' || (v[1] != RLIM_INFINITY && (v[0] == RLIM_INFINITY || v[0] > v[1])))
		return -1;
	out->limit.rlim_cur = v[0];
	out->limit.rlim_max = v[1];
	out->text = text;
	return 0;
}

/* "HIERARCHY:FILE=VALUE": a controller file of the child's cgroup (0) or of
 * its companion in the n-th v1 directory; FILE is a plain name. */
static int parse_cgroup_set(const char *text, uint32_t n_v1, struct cgroup_set *out)
{
	char *end;
	errno = 0;
	unsigned long h = strtoul(text, &end, 10);
	if (end == text || *end != ':' || errno != 0 || h > n_v1)
		return -1;
	const char *file = end + 1, *eq = strchr(file, '=');
	if (!eq || eq == file || memchr(file, '/', (size_t)(eq - file)) || file[0] == '.')
		return -1;
	/* The receive buffer is ours: the name ends where the value starts. */
	*(char *)eq = '\0';
	out->hierarchy = (uint32_t)h;
	out->file = file;
	out->value = eq + 1;
	out->value_len = strlen(eq + 1);
	return 0;
}

static bool known_mount_kind(const char *kind)
{
	static const char *const kinds[] = { "bind", "ro-bind", "tmpfs", "proc", "dev" };
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* Absolute, and no ".." component: a mount inside the new root stays inside. */
static bool plain_absolute(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

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
	r->n_rlimits      = get_u32(p);       p += 4;
	r->n_cgroup_v1    = get_u32(p);       p += 4;
	r->n_cgroup_set   = get_u32(p);       p += 4;
	r->n_mounts       = get_u32(p);       p += 4;

	if (r->ns_mask & ~(uint32_t)NS_ALL)
		DECODE_FAIL("unknown ns_mask bits 0x%x", r->ns_mask & ~(uint32_t)NS_ALL);
	if (r->options & ~(uint32_t)OPT_ALL)
		DECODE_FAIL("unknown option bits 0x%x", r->options & ~(uint32_t)OPT_ALL);
	if (r->setgroups_mode > SETGROUPS_ALLOW)
		DECODE_FAIL("setgroups_mode %u", r->setgroups_mode);
	if (r->nfds < 3)
		DECODE_FAIL("nfds %u, at least 3 needed", r->nfds);
	if ((r->options & OPT_PIPE_STDERR) && (r->options & OPT_STDERR_TO_STDOUT))
		DECODE_FAIL("PIPE_STDERR and STDERR_TO_STDOUT both ask for fd 2");
	unsigned made = stdio_server_slots(r->options);
	if (made == 0 && r->nfds != nfds_received)
		DECODE_FAIL("nfds %u but %zu descriptors received", r->nfds, nfds_received);
	if (made > 0 && r->nfds - made != nfds_received)
		DECODE_FAIL("nfds %u, %u of them made by the server, but %zu descriptors received", r->nfds, made,
		            nfds_received);
	if (r->ngroups > 65536)
		DECODE_FAIL("ngroups %u exceeds 65536", r->ngroups);
	if (r->argc == 0)
		DECODE_FAIL("argc 0, argv[0] is required");
	if (r->n_rlimits > MAX_RLIMITS)
		DECODE_FAIL("n_rlimits %u exceeds %u", r->n_rlimits, MAX_RLIMITS);
	if (r->n_cgroup_v1 > MAX_CGROUP_V1)
		DECODE_FAIL("n_cgroup_v1 %u exceeds %u", r->n_cgroup_v1, MAX_CGROUP_V1);
	if (r->n_cgroup_set > MAX_CGROUP_SETS)
		DECODE_FAIL("n_cgroup_set %u exceeds %u", r->n_cgroup_set, MAX_CGROUP_SETS);
	if (r->n_mounts > MAX_MOUNTS)
		DECODE_FAIL("n_mounts %u exceeds %u", r->n_mounts, MAX_MOUNTS);
	if ((r->n_mounts || (r->options & OPT_READ_ONLY_ROOT)) && !(r->ns_mask & NS_MOUNT))
		DECODE_FAIL("mounts need the MOUNT namespace");
	if ((r->n_cgroup_v1 || r->n_cgroup_set) && !(r->options & OPT_CGROUP))
		DECODE_FAIL("cgroup settings without the CGROUP option");

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
	size_t nfixed = SPAWN_FIXED_STRINGS + r->n_cgroup_v1 + r->n_cgroup_set + r->n_rlimits + 3 * (size_t)r->n_mounts;
	size_t want = nfixed + (size_t)r->argc + r->envc;
	if (want > (size_t)(end - s))
		DECODE_FAIL("argc %u and envc %u need more strings than %zu bytes can hold",
		            r->argc, r->envc, (size_t)(end - s));
	if (ensure_ptrs((size_t)r->argc + r->envc + 2) != 0) {
		fail_set(f, ENOMEM, "decoding spawn request: %u strings", r->argc + r->envc);
		return -1;
	}

	/* Walk the strings: path, cwd, hostname, title, cgroup_parent, rootfs,
	 * the v1 directories, the cgroup settings, the rlimits, the mounts (kind,
	 * source, destination each), argv..., envp... */
	const char *fixed[SPAWN_FIXED_STRINGS + MAX_CGROUP_V1 + MAX_CGROUP_SETS + MAX_RLIMITS + 3 * MAX_MOUNTS];
	size_t count = 0;
	char **argv = srv.ptrs, **envp = srv.ptrs + r->argc + 1;
	while (s < end) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			DECODE_FAIL("string %zu is not NUL-terminated", count + 1);
		if (count < nfixed)
			fixed[count] = s;
		else if (count < nfixed + (size_t)r->argc)
			argv[count - nfixed] = (char *)s;
		else if (count < want)
			envp[count - nfixed - r->argc] = (char *)s;
		count++;
		s = nul + 1;
	}
	if (count < nfixed)
		DECODE_FAIL("%zu of the %zu strings path, cwd, hostname, title, cgroup, rootfs, cgroup v1"
		            " directories, cgroup settings, rlimits, mounts", count, nfixed);
	if (count - nfixed < r->argc)
		DECODE_FAIL("argc %u but %zu strings", r->argc, count - nfixed);
	if (count - nfixed - r->argc < r->envc)
		DECODE_FAIL("envc %u but %zu strings", r->envc, count - nfixed - r->argc);
	if (count > want)
		DECODE_FAIL("%zu strings after argv and envp", count - want);
	argv[r->argc] = NULL;
	envp[r->envc] = NULL;
	r->path = fixed[0];
	r->cwd = fixed[1];
	r->hostname = fixed[2];
	r->title = fixed[3];
	r->cgroup_parent = fixed[4];
	r->rootfs = fixed[5];
	if (r->rootfs[0] != '\0' && (r->rootfs[0] != '/' || !(r->ns_mask & NS_MOUNT)))
		DECODE_FAIL("rootfs \"%s\": an absolute path, with the MOUNT namespace", r->rootfs);
	if (r->cgroup_parent[0] != '\0' && (!(r->options & OPT_CGROUP) || r->cgroup_parent[0] != '/'))
		DECODE_FAIL("cgroup \"%s\": an absolute path, with the CGROUP option", r->cgroup_parent);
	size_t k = SPAWN_FIXED_STRINGS;
	for (uint32_t i = 0; i < r->n_cgroup_v1; i++, k++) {
		if (fixed[k][0] != '/')
			DECODE_FAIL("cgroup v1 directory \"%s\" is not an absolute path", fixed[k]);
		r->cgroup_v1[i] = fixed[k];
	}
	for (uint32_t i = 0; i < r->n_cgroup_set; i++, k++)
		if (parse_cgroup_set(fixed[k], r->n_cgroup_v1, &r->cgroup_set[i]) != 0)
			DECODE_FAIL("cgroup setting \"%s\" is not HIERARCHY:FILE=VALUE with HIERARCHY at most %u",
			            fixed[k], r->n_cgroup_v1);
	for (uint32_t i = 0; i < r->n_rlimits; i++, k++)
		if (parse_rlimit(fixed[k], &r->rlimits[i]) != 0)
			DECODE_FAIL("rlimit \"%s\" is not NAME=SOFT[:HARD] with a known name and SOFT <= HARD", fixed[k]);
	for (uint32_t i = 0; i < r->n_mounts; i++, k += 3) {
		struct mount_req *m = &r->mounts[i];
		m->kind = fixed[k];
		m->source = fixed[k + 1];
		m->destination = fixed[k + 2];
		if (!known_mount_kind(m->kind))
			DECODE_FAIL("mount %u: kind \"%s\" is not bind, ro-bind, tmpfs, proc or dev", i, m->kind);
		if (!plain_absolute(m->destination))
			DECODE_FAIL("mount %u: destination \"%s\" is not an absolute path without \"..\"", i,
			            m->destination);
		bool bind = strcmp(m->kind, "bind") == 0 || strcmp(m->kind, "ro-bind") == 0;
		if (bind != (m->source[0] != '\0') || (bind && m->source[0] != '/'))
			DECODE_FAIL("mount %u: source \"%s\" must be an absolute path for a bind and empty otherwise", i,
			            m->source);
	}
	r->argv = argv;
	r->envp = envp;
	r->fds = fds;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Control messages                                                          */
/* ------------------------------------------------------------------------ */

#ifdef __linux__
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
		send_exited(pid, -1, 0, false, false);
		close_fds(&fd, 1);
		return;
	}
	struct cg_leaf *cg = cg_adopted(pid);
	if (watch_add(fd, pid, true, NULL, cg) != 0) {
		/* We cannot supervise it, so it must not run unsupervised. */
		logmsg("ADOPT of pid %d: watching: %s; killing it", (int)pid, strerror(errno));
		if (sys_pidfd_send_signal(fd, SIGKILL) != 0)
			logmsg("killing pid %d: %s", (int)pid, strerror(errno));
		send_exited(pid, -1, 0, false, false);
		close_fds(&fd, 1);
		release_cgroup(cg);
	}
}
#else
static void handle_adopt(const unsigned char *buf, size_t len, const int *fds, size_t nfds)
{
	(void)buf;
	logmsg("ADOPT is not supported on this platform (%zu bytes): ignored", len);
	close_fds(fds, nfds);
}
#endif

static void handle_spawn(const unsigned char *buf, size_t len, const int *fds, size_t nfds,
                         const char *transport_problem)
{
	struct spawn_req r;
	static struct failure f; /* 4 KiB: keep it off the stack */
	uint32_t request_id = len >= 8 ? get_u32(buf + 4) : 0;
	pid_t pid = 0;
	int pidfd = -1;
	unsigned char *init_stack = NULL;
	struct cg_leaf *cg = NULL;
	static struct stdio_plan stdio; /* 1 KiB: keep it off the stack */

	memset(&r, 0, sizeof r);
	stdio.n_ours = stdio.n_own = 0;
	f.pid = 0;
	if (transport_problem) {
		fail_set(&f, EINVAL, "decoding spawn request: %s", transport_problem);
	} else if (decode_spawn(buf, len, fds, nfds, &r, &f) == 0 && stdio_prepare(&r, &stdio, &f) == 0 &&
	           spawn_child(&r, &pid, &pidfd, &init_stack, &cg, &f) == 0) {
		if (watch_add(pidfd, pid, false, init_stack, cg) == 0) {
			struct msg_spawned m = {
				.type = MSG_SPAWNED, .request_id = request_id, .pid = pid,
				.ns_pid = (r.ns_mask & NS_PID) ? 2 : pid, /* init is 1 */
			};
			close_fds(fds, nfds); /* the child has its own copies */
			stdio_close_child_ends(&stdio);
			send_held_exits(CTL_FD);
			/* The pidfd (where there is one), then the JVM's pipe ends in stream order. */
			int out[4];
			size_t n = 0;
			if (pidfd >= 0)
				out[n++] = pidfd;
			for (unsigned i = 0; i < stdio.n_ours; i++)
				out[n++] = stdio.ours[i];
			send_msg_fds(CTL_FD, &m, sizeof m, out, n);
			stdio_close_ours(&stdio); /* the JVM has its own copies */
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
		release_cgroup(cg);
	}
	close_fds(fds, nfds);
	stdio_close_child_ends(&stdio);
	stdio_close_ours(&stdio);
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
#ifdef __linux__
		cg_detach(); /* the children's own cgroups stay with them */
#endif
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

static size_t rlim_to_fd_limit(rlim_t v)
{
	return v == RLIM_INFINITY || v > INT_MAX ? (size_t)INT_MAX : (size_t)v;
}

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
	srv.child_fds = malloc((MAX_MSG_FDS + 3) * sizeof *srv.child_fds); /* + the slots stdio.c fills */
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
	const char *cgroup = NULL;
	for (int i = 2; !usage && i < argc; i += 2) {
		if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc && argv[i + 1][0] == '/') {
			cgroup = argv[i + 1];
			continue;
		}
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
		fprintf(stderr, "usage: corral-spawnd clone|fork [--events-fd N [--hold-exits MS]] [--cgroup DIR]"
		        "   (control socket at fd 3; N in 4..64, MS in 0..%d; DIR absolute)\n", MAX_HOLD_EXITS_MS);
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
	if (cgroup && cg_start(cgroup) != 0)
		return 2;
#else
	if (cgroup) {
		logmsg("--cgroup needs Linux");
		return 2;
	}
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
		int n = epoll_wait(srv.epfd, evs, 64, cg_timeout(held_exits_timeout(srv.nwaiting_reap ? 100 : -1)));
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
			else if (evs[i].data.fd == srv.cg.inotify)
				cg_on_inotify();
			else
				on_pidfd_ready(evs[i].data.fd, evs[i].events);
		}
		if (srv.nwaiting_reap)
			expire_reap_waits();
		if (ctl_ready)
			handle_control_message();
		send_due_exits();
		cg_trim_spares(false);
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
