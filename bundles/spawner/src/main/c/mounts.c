/*
 * corral-spawnd -- the child's file system, in its mount namespace: the
 * root file system it asked for (pivot_root, the host's tree detached), its
 * bind, tmpfs, proc and /dev mounts, and a read-only root, as bubblewrap
 * builds a sandbox.  Runs in the child between clone and execve, so only
 * system calls and buffers on the stack: no allocation.
 */
#include "spawnd.h"

#ifdef __linux__
#include <linux/capability.h>
#include <sys/statvfs.h>

/* dst = a + b, or fail the step: paths come from the request. */
static void join(const struct child *c, char *dst, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + lb >= PATH_MAX) {
		errno = ENAMETOOLONG;
		child_fail_s(c, "mount path ", b);
	}
	memmove(dst, a, la); /* dst may be a */
	memcpy(dst + la, b, lb + 1);
}

/* mkdir -p: every missing directory of path (the mount points inside a new
 * root that does not have them). */
static void make_directories(const struct child *c, const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char saved = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			child_fail_s(c, "creating mount point ", buf);
		buf[i] = saved;
	}
}

/* A file to bind a file onto. */
static void make_file(const struct child *c, const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);
	memcpy(dir, path, len + 1);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		make_directories(c, dir);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EEXIST)
		child_fail_s(c, "creating mount point ", path);
	if (fd >= 0)
		close(fd);
}

/* The flags a remount must keep: in a user namespace the kernel refuses to
 * drop nosuid, nodev, noexec or atime flags the mount was locked with. */
static unsigned long kept_flags(const char *path)
{
	struct statvfs v;
	if (statvfs(path, &v) != 0)
		return 0;
	unsigned long f = 0;
	if (v.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (v.f_flag & ST_NODEV) f |= MS_NODEV;
	if (v.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (v.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (v.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (v.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

static void read_only(const struct child *c, const char *path)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(path), NULL) != 0)
		child_fail_s(c, "making read-only ", path);
}

static void bind_mount(const struct child *c, const char *source, const char *target, bool ro)
{
	struct stat st;
	if (stat(source, &st) != 0)
		child_fail_s(c, "bind mount source ", source);
	if (S_ISDIR(st.st_mode))
		make_directories(c, target);
	else
		make_file(c, target);
	if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0)
		child_fail_s(c, "bind mount on ", target);
	if (ro)
		read_only(c, target);
}

/* As bubblewrap's --dev: a tmpfs with the harmless devices of the host
 * bound in, a private pts, shm, and the usual links. */
static void dev(const struct child *c, const char *target)
{
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	char path[PATH_MAX], host[32];
	make_directories(c, target);
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755") != 0)
		child_fail_s(c, "mount tmpfs on ", target);
	for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
		join(c, path, target, "/");
		join(c, path, path, devices[i]);
		join(c, host, "/dev/", devices[i]);
		bind_mount(c, host, path, false);
	}
	join(c, path, target, "/pts");
	make_directories(c, path);
	if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") != 0)
		child_fail_s(c, "mount devpts on ", path);
	join(c, path, target, "/shm");
	make_directories(c, path);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
		child_fail_s(c, "mount tmpfs on ", path);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		join(c, path, target, "/");
		join(c, path, path, links[i][0]);
		if (symlink(links[i][1], path) != 0)
			child_fail_s(c, "symlink ", path);
	}
}

static void one_mount(const struct child *c, const char *root, const struct mount_req *m)
{
	char target[PATH_MAX];
	join(c, target, root, m->destination);
	if (strcmp(m->kind, "bind") == 0 || strcmp(m->kind, "ro-bind") == 0) {
		bind_mount(c, m->source, target, m->kind[0] == 'r');
	} else if (strcmp(m->kind, "tmpfs") == 0) {
		make_directories(c, target);
		if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
			child_fail_s(c, "mount tmpfs on ", target);
	} else if (strcmp(m->kind, "proc") == 0) {
		make_directories(c, target);
		if (mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
			child_fail_s(c, "mount proc on ", target);
	} else {
		dev(c, target);
	}
}

/*
 * With a root file system: bind it onto itself (pivot_root needs a mount
 * point), make the mounts inside it, then pivot_root(".", ".") and detach
 * the old root stacked below: nothing of the host's tree stays reachable,
 * not even under a mount the child takes off again.  Without one, the
 * mounts are made in the host's tree, which the namespace keeps private.
 */
void step_filesystem(const struct child *c)
{
	const struct spawn_req *r = c->req;
	const char *root = r->rootfs;
	if (root[0] != '\0' && mount(root, root, NULL, MS_BIND | MS_REC, NULL) != 0)
		child_fail_s(c, "binding the root file system ", root);
	for (uint32_t i = 0; i < r->n_mounts; i++)
		one_mount(c, root, &r->mounts[i]);
	if (root[0] != '\0') {
		if (chdir(root) != 0)
			child_fail_s(c, "chdir ", root);
		if (syscall(SYS_pivot_root, ".", ".") != 0)
			child_fail_s(c, "pivot_root ", root);
		if (umount2(".", MNT_DETACH) != 0)
			child_fail_s(c, "detaching the old root", "");
		if (chdir("/") != 0)
			child_fail_s(c, "chdir /", "");
	}
	if (r->options & OPT_READ_ONLY_ROOT)
		read_only(c, "/");
	/* What was mounted for the child stays as mounted: without
	 * CAP_SYS_ADMIN, even as root of its namespace, it can neither take a
	 * mount off (and see what is below: the host's /proc under a fresh one)
	 * nor make a read-only one writable; a namespace it makes of its own
	 * gets the mounts locked.  As with bubblewrap, the price is that it
	 * cannot set its host name itself either (the request's is set before). */
	bool mounted = root[0] != '\0' || r->n_mounts > 0 || (r->options & (OPT_MOUNT_PROC | OPT_READ_ONLY_ROOT));
	if (mounted && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0ul, 0ul, 0ul) != 0)
		child_fail_s(c, "dropping CAP_SYS_ADMIN from the bounding set", "");
}
#endif /* __linux__ */
