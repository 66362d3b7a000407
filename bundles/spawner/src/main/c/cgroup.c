/*
 * corral-spawnd -- a cgroup of its own for every child (cgroup v2).
 *
 * Started with --cgroup DIR, the server makes each child's cgroup in DIR
 * (or in the directory the request names, Unit's cgroup path), writes the
 * request's limits into it and into v1 companions, and the child starts
 * inside it: clone3 with CLONE_INTO_CGROUP, or, where that is missing,
 * its pid is moved in while it still waits in the handshake.  Nothing the
 * child starts can leave.  When the child has exited, whatever it left
 * behind is killed (cgroup.kill) and the cgroup is removed once empty
 * (watched through cgroup.events).  At end of file everything in DIR is
 * killed and every cgroup the server made is removed.
 *
 * Plain cgroups (made in DIR, nothing written) go back to a short list of
 * spares when their child is gone and empty: the next spawn takes one
 * instead of making a new one, and a second of idleness removes them.
 */
#include "spawnd.h"

#ifdef __linux__

struct cg_leaf {
	int fd;                 /* the cgroup's directory: CLONE_INTO_CGROUP, its files */
	int parent_fd;          /* where it was made: srv.cg.dir, or a named parent we opened */
	char name[40];
	bool plain;             /* in srv.cg.dir with nothing written: may serve again */
	int memory_hierarchy;   /* where a memory limit was written: 0 = v2, 1.. = v1, -1 = none */
	char *v1[MAX_CGROUP_V1];/* its companions in v1 hierarchies, absolute */
	uint32_t nv1;
	char *parent_path;      /* a named parent, absolute; NULL for srv.cg.dir */
	int wd;                 /* inotify watch while lingering, else -1 */
	struct cg_leaf *next;
};

/* ------------------------------------------------------------------------ */
/* Files                                                                     */
/* ------------------------------------------------------------------------ */

static int write_file_at(int dir, const char *file, const char *data, size_t len)
{
	int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, len);
	int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	close(fd);
	errno = err;
	return err ? -1 : 0;
}

/* The number after "key " in a flat-keyed cgroup file, or -1. */
static long long read_key_at(int dir, const char *file, const char *key)
{
	char buf[1024];
	if (read_small_file(dir, file, buf, sizeof buf) <= 0)
		return -1;
	size_t klen = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtoll(line + klen + 1, NULL, 10);
	return -1;
}

static bool populated(const struct cg_leaf *l)
{
	return read_key_at(l->fd, "cgroup.events", "populated") != 0;
}

static void kill_cgroup(int dir, const char *what)
{
	if (write_file_at(dir, "cgroup.kill", "1", 1) != 0 && errno != ENOENT)
		logmsg("killing cgroup %s: %s", what, strerror(errno));
}

/* mkdir -p, for a named parent: every missing component, in order. */
static int make_path(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			if (c == '\0')
				return 0;
			*p = c;
		}
	}
}

/* Whether path is our own directory or one of its ancestors. */
static bool holds_ours(const char *path, size_t len)
{
	return strncmp(srv.cg.path, path, len) == 0 && (srv.cg.path[len] == '\0' || srv.cg.path[len] == '/');
}

/* After a named parent's last cgroup: remove it and its empty ancestors, as
 * Unit does; the first that is busy (or the hierarchy's root, or our own
 * directory) stops it. */
static void remove_empty_ancestors(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return;
	memcpy(buf, path, len + 1);
	while (len > 1 && !holds_ours(buf, len) && rmdir(buf) == 0) {
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return;
		*slash = '\0';
		len = (size_t)(slash - buf);
	}
}

/* ------------------------------------------------------------------------ */
/* Making and removing                                                       */
/* ------------------------------------------------------------------------ */

int cg_start(const char *path)
{
	srv.cg.dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv.cg.dir < 0) {
		logmsg("--cgroup %s: %s", path, strerror(errno));
		return -1;
	}
	/* Killing every descendant at once needs cgroup.kill (Linux 5.14). */
	if (faccessat(srv.cg.dir, "cgroup.kill", W_OK, 0) != 0) {
		logmsg("--cgroup %s: no writable cgroup.kill (a cgroup v2 directory on Linux 5.14+ is needed): %s",
		       path, strerror(errno));
		return -1;
	}
	srv.cg.path = path;
	srv.cg.inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (srv.cg.inotify < 0) {
		logmsg("inotify_init1: %s", strerror(errno));
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = srv.cg.inotify };
	if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, srv.cg.inotify, &ev) != 0) {
		logmsg("epoll_ctl ADD inotify: %s", strerror(errno));
		return -1;
	}
	srv.cg.clone3 = HAVE_CLONE3;
	return 0;
}

int cg_leaf_fd(const struct cg_leaf *l)
{
	return l->fd;
}

static void free_leaf(struct cg_leaf *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->parent_fd >= 0 && l->parent_fd != srv.cg.dir)
		close(l->parent_fd);
	for (uint32_t i = 0; i < l->nv1; i++)
		free(l->v1[i]);
	free(l->parent_path);
	free(l);
}

/* Removes an empty cgroup, its v1 companions and, for a named parent, the
 * parent's empty ancestors. */
static void remove_leaf(struct cg_leaf *l)
{
	if (l->fd >= 0 && unlinkat(l->parent_fd, l->name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		logmsg("removing cgroup %s: %s", l->name, strerror(errno));
	for (uint32_t i = 0; i < l->nv1; i++)
		if (rmdir(l->v1[i]) != 0 && errno != ENOENT)
			logmsg("removing cgroup %s: %s", l->v1[i], strerror(errno));
	if (l->parent_path)
		remove_empty_ancestors(l->parent_path);
	free_leaf(l);
}

static int apply_set(struct cg_leaf *l, const struct cgroup_set *s, struct failure *f)
{
	int dir = l->fd;
	const char *where = l->name;
	if (s->hierarchy > 0) {
		where = l->v1[s->hierarchy - 1];
		dir = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0) {
			fail_set(f, errno, "opening cgroup %s", where);
			return -1;
		}
	}
	int r = write_file_at(dir, s->file, s->value, s->value_len);
	int err = errno;
	if (dir != l->fd)
		close(dir);
	if (r != 0) {
		fail_set(f, err, "writing %.*s to %s of cgroup %s", (int)s->value_len, s->value, s->file, where);
		return -1;
	}
	if (strncmp(s->file, "memory.", 7) == 0)
		l->memory_hierarchy = (int)s->hierarchy;
	return 0;
}

/* The cgroup for a request's child, limits written, or NULL: none asked
 * for (f->err 0) or it could not be made (f filled in). */
struct cg_leaf *cg_prepare(const struct spawn_req *r, struct failure *f)
{
	f->err = 0;
	if (!(r->options & OPT_CGROUP))
		return NULL;
	if (srv.cg.dir < 0) {
		fail_set(f, EINVAL, "a cgroup was asked for, but the server has no --cgroup directory");
		return NULL;
	}
	srv.cg.last_spawn_ms = now_ms();
	bool plain = r->cgroup_parent[0] == '\0' && r->n_cgroup_v1 == 0 && r->n_cgroup_set == 0;
	if (plain && srv.cg.spares) {
		struct cg_leaf *l = srv.cg.spares;
		srv.cg.spares = l->next;
		srv.cg.nspares--;
		l->next = NULL;
		return l;
	}
	struct cg_leaf *l = calloc(1, sizeof *l);
	if (!l) {
		fail_set(f, ENOMEM, "allocating a cgroup");
		return NULL;
	}
	l->fd = -1;
	l->parent_fd = srv.cg.dir;
	l->wd = -1;
	l->memory_hierarchy = -1;
	l->plain = plain;
	snprintf(l->name, sizeof l->name, "%d-%llu", (int)srv.pid, ++srv.cg.seq);
	if (r->cgroup_parent[0] != '\0') {
		if (make_path(r->cgroup_parent) != 0) {
			fail_set(f, errno, "creating cgroup %s", r->cgroup_parent);
			free_leaf(l);
			return NULL;
		}
		l->parent_fd = open(r->cgroup_parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l->parent_fd < 0 || (l->parent_path = strdup(r->cgroup_parent)) == NULL) {
			fail_set(f, errno, "opening cgroup %s", r->cgroup_parent);
			free_leaf(l);
			return NULL;
		}
	}
	if (mkdirat(l->parent_fd, l->name, 0755) != 0) {
		fail_set(f, errno, "creating cgroup %s/%s", r->cgroup_parent[0] ? r->cgroup_parent : srv.cg.path,
		         l->name);
		free_leaf(l);
		return NULL;
	}
	l->fd = openat(l->parent_fd, l->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0) {
		fail_set(f, errno, "opening cgroup %s", l->name);
		unlinkat(l->parent_fd, l->name, AT_REMOVEDIR);
		free_leaf(l);
		return NULL;
	}
	for (uint32_t i = 0; i < r->n_cgroup_v1; i++) {
		size_t len = strlen(r->cgroup_v1[i]) + 1 + strlen(l->name) + 1;
		char *p = malloc(len);
		if (!p) {
			fail_set(f, ENOMEM, "allocating a cgroup");
			remove_leaf(l);
			return NULL;
		}
		snprintf(p, len, "%s/%s", r->cgroup_v1[i], l->name);
		if (mkdir(p, 0755) != 0) {
			fail_set(f, errno, "creating cgroup %s", p);
			free(p);
			remove_leaf(l);
			return NULL;
		}
		l->v1[l->nv1++] = p;
	}
	for (uint32_t i = 0; i < r->n_cgroup_set; i++) {
		if (apply_set(l, &r->cgroup_set[i], f) != 0) {
			remove_leaf(l);
			return NULL;
		}
	}
	return l;
}

static int move_pid(int dir, const char *where, pid_t pid, struct failure *f)
{
	char text[16];
	int len = snprintf(text, sizeof text, "%d", (int)pid);
	if (write_file_at(dir, "cgroup.procs", text, (size_t)len) != 0) {
		fail_set(f, errno, "moving pid %d into cgroup %s", (int)pid, where);
		return -1;
	}
	return 0;
}

/* While the child waits in the handshake: into the v1 companions, and into
 * the v2 cgroup itself when it was not born there. */
int cg_enter(struct cg_leaf *l, pid_t pid, bool v2_joined, struct failure *f)
{
	if (!v2_joined && move_pid(l->fd, l->name, pid, f) != 0)
		return -1;
	for (uint32_t i = 0; i < l->nv1; i++) {
		int dir = open(l->v1[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0) {
			fail_set(f, errno, "opening cgroup %s", l->v1[i]);
			return -1;
		}
		int r = move_pid(dir, l->v1[i], pid, f);
		close(dir);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* Whether the kernel's OOM killer ended a process of it. */
static bool oom_killed(const struct cg_leaf *l)
{
	if (l->memory_hierarchy < 0)
		return false;
	if (l->memory_hierarchy == 0)
		return read_key_at(l->fd, "memory.events", "oom_kill") > 0;
	int dir = open(l->v1[l->memory_hierarchy - 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return false;
	bool killed = read_key_at(dir, "memory.oom_control", "oom_kill") > 0;
	close(dir);
	return killed;
}

/* The process a cgroup was made for is gone (reaped, or never started):
 * whatever it left there is killed, and the cgroup is removed once empty. */
void cg_child_gone(struct cg_leaf *l, bool *oom)
{
	if (oom)
		*oom = oom_killed(l);
	if (populated(l)) {
		kill_cgroup(l->fd, l->name);
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d/cgroup.events", l->fd);
		l->wd = inotify_add_watch(srv.cg.inotify, path, IN_MODIFY);
		if (l->wd < 0)
			logmsg("watching cgroup %s: %s", l->name, strerror(errno));
		l->next = srv.cg.lingering;
		srv.cg.lingering = l;
		if (populated(l))
			return;
		/* Emptied before the watch was in place. */
		cg_on_inotify();
		return;
	}
	if (l->plain && srv.cg.nspares < MAX_SPARE_CGROUPS) {
		l->next = srv.cg.spares;
		srv.cg.spares = l;
		srv.cg.nspares++;
		return;
	}
	remove_leaf(l);
}

/* A process another server made: its cgroup is ours to remove when it is
 * gone, if it is one of ours (found by its name in our directory). */
struct cg_leaf *cg_adopted(pid_t pid)
{
	if (srv.cg.dir < 0)
		return NULL;
	char path[64], line[PATH_MAX];
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	FILE *fp = fopen(path, "re");
	if (!fp)
		return NULL;
	const char *name = NULL;
	while (fgets(line, sizeof line, fp))
		if (strncmp(line, "0::/", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			name = strrchr(line, '/') + 1;
			break;
		}
	fclose(fp);
	if (!name || !*name || strlen(name) >= sizeof ((struct cg_leaf *)0)->name)
		return NULL;
	struct cg_leaf *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->parent_fd = srv.cg.dir;
	l->wd = -1;
	l->memory_hierarchy = -1;
	snprintf(l->name, sizeof l->name, "%s", name);
	l->fd = openat(srv.cg.dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

/* Something changed in a lingering cgroup: remove the ones now empty. */
void cg_on_inotify(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (read(srv.cg.inotify, buf, sizeof buf) > 0)
		;
	for (struct cg_leaf **p = &srv.cg.lingering; *p;) {
		struct cg_leaf *l = *p;
		if (populated(l)) {
			p = &l->next;
			continue;
		}
		*p = l->next;
		if (l->wd >= 0)
			inotify_rm_watch(srv.cg.inotify, l->wd);
		remove_leaf(l);
	}
}

/* How long the loop may sleep before spare cgroups are due for removal. */
int cg_timeout(int timeout_ms)
{
	if (srv.cg.nspares == 0)
		return timeout_ms;
	int64_t left = srv.cg.last_spawn_ms + SPARE_CGROUPS_IDLE_MS - now_ms();
	int due = left <= 0 ? 0 : (int)left;
	return timeout_ms < 0 || due < timeout_ms ? due : timeout_ms;
}

void cg_trim_spares(bool now)
{
	if (srv.cg.nspares == 0 || (!now && now_ms() < srv.cg.last_spawn_ms + SPARE_CGROUPS_IDLE_MS))
		return;
	while (srv.cg.spares) {
		struct cg_leaf *l = srv.cg.spares;
		srv.cg.spares = l->next;
		remove_leaf(l);
	}
	srv.cg.nspares = 0;
}

/* The instance's directory above ours, once no provider's is left in it
 * (the JVM that made it is gone or stopping). */
static void remove_instance_directory(void)
{
	char parent[PATH_MAX];
	size_t len = strlen(srv.cg.path);
	if (len >= sizeof parent)
		return;
	memcpy(parent, srv.cg.path, len + 1);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		(void)rmdir(parent);
	}
}

/* DETACH: the spares go; with nothing left to watch, our directory too. */
void cg_detach(void)
{
	if (srv.cg.dir < 0)
		return;
	cg_trim_spares(true);
	if (srv.nwatched == 0 && srv.cg.lingering == NULL && rmdir(srv.cg.path) == 0)
		remove_instance_directory();
}

/* End of file: everything in our directory dies, and every named cgroup of
 * a watched process. */
void cg_kill_all(void)
{
	if (srv.cg.dir < 0)
		return;
	kill_cgroup(srv.cg.dir, srv.cg.path);
	for (size_t fd = 0; fd < srv.nslots; fd++)
		if (srv.watches[fd].pid != 0 && srv.watches[fd].cg && srv.watches[fd].cg->parent_path)
			kill_cgroup(srv.watches[fd].cg->fd, srv.watches[fd].cg->name);
	for (struct cg_leaf *l = srv.cg.lingering; l; l = l->next)
		kill_cgroup(l->fd, l->name);
}

/* After cg_kill_all and the reaping: wait (a while) for the killed to be
 * gone, then remove every cgroup we know of, whatever else is left in our
 * directory (an earlier server's), and the directory itself. */
void cg_finish(void)
{
	if (srv.cg.dir < 0)
		return;
	int64_t deadline = now_ms() + CGROUP_DRAIN_MS;
	while (read_key_at(srv.cg.dir, "cgroup.events", "populated") > 0 && now_ms() < deadline)
		usleep(5000);
	for (size_t fd = 0; fd < srv.nslots; fd++)
		if (srv.watches[fd].cg) {
			remove_leaf(srv.watches[fd].cg);
			srv.watches[fd].cg = NULL;
		}
	cg_on_inotify();
	while (srv.cg.lingering) {
		struct cg_leaf *l = srv.cg.lingering;
		srv.cg.lingering = l->next;
		remove_leaf(l);
	}
	cg_trim_spares(true);
	int dup_fd = dup(srv.cg.dir);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (e->d_type == DT_DIR && e->d_name[0] != '.')
				if (unlinkat(srv.cg.dir, e->d_name, AT_REMOVEDIR) != 0)
					logmsg("removing cgroup %s: %s", e->d_name, strerror(errno));
		closedir(d);
	}
	if (rmdir(srv.cg.path) != 0 && errno != ENOENT)
		logmsg("removing cgroup %s: %s", srv.cg.path, strerror(errno));
	remove_instance_directory();
}

#endif /* __linux__ */
