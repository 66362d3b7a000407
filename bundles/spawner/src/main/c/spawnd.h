/*
 * corral-spawnd -- what the spawn server's files share.
 *
 * The protocol's constants and message layouts (docs/spawnd-protocol.md),
 * a decoded SPAWN request and a failure on its way to a FAILED message, the
 * server's state srv (defined in main.c), a child's context between clone
 * and execve, and the prototypes of the functions that one file calls in
 * another: main.c (start-up, the event loop, control messages), spawn.c
 * (the server's half of a spawn), child.c (the child's steps and the init
 * of a PID namespace), watch.c (watching processes, exit reports) and
 * util.c (small helpers).
 */
#ifndef CORRAL_SPAWND_H
#define CORRAL_SPAWND_H

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
#include <sys/inotify.h>
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
#define PROTOCOL_VERSION  2u
#define MAX_MSG           (256u * 1024u)
#define MAX_MSG_FDS       253u  /* SCM_MAX_FD: the kernel's per-datagram cap */
#define SPAWN_HEADER_SIZE 72u   /* 18 x 32-bit fields */
#define SPAWN_FIXED_STRINGS 6u  /* path, cwd, hostname, title, cgroup_parent, rootfs */
#define MAX_MOUNTS        64u   /* mounts made for one child */
#define MAX_RLIMITS       16u   /* one per resource at most */
#define MAX_CGROUP_V1     8u    /* v1 hierarchies a child may join */
#define MAX_CGROUP_SETS   16u   /* controller files written for one child */
#define MAX_SPARE_CGROUPS 32u   /* empty cgroups kept for the next spawns */
#define SPARE_CGROUPS_IDLE_MS 1000 /* idle this long, the server removes its spare cgroups */
#define CGROUP_DRAIN_MS   2000  /* at the end, how long killed cgroups may take to empty */
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
	OPT_SET_GID = 8, OPT_SET_UID = 16, OPT_CGROUP = 32, OPT_READ_ONLY_ROOT = 64,
	/* standard streams the server makes (stdio.c): a pipe, or fd 2 = fd 1 */
	OPT_PIPE_STDIN = 128, OPT_PIPE_STDOUT = 256, OPT_PIPE_STDERR = 512, OPT_STDERR_TO_STDOUT = 1024,
	OPT_ALL = 2047,
};

enum setgroups_mode { SETGROUPS_KEEP = 0, SETGROUPS_DENY = 1, SETGROUPS_ALLOW = 2 };

/* Outgoing messages: every field is 32 bits, so there is no padding. */
struct msg_hello   { uint32_t type, version, mode, supported_ns; int32_t server_pid; };
struct msg_spawned { uint32_t type, request_id; int32_t pid, ns_pid; };
struct msg_failed  { uint32_t type, request_id; int32_t err, pid; char step[STEP_MAX]; };
struct msg_exited  { uint32_t type; int32_t pid, exit_code, signal; uint32_t flags; };
enum exited_flag { EXITED_STATUS_KNOWN = 1, EXITED_OOM_KILL = 2 };

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
	uint32_t n_rlimits, n_cgroup_v1, n_cgroup_set, n_mounts;
	const gid_t *groups;
	const unsigned char *uidmap, *gidmap;   /* 3 x u32 per entry */
	const char *path, *cwd, *hostname, *title;
	const char *cgroup_parent;              /* "" = the server's --cgroup directory */
	const char *rootfs;                     /* "" = the host's / */
	struct mount_req { const char *kind, *source, *destination; } mounts[MAX_MOUNTS];
	const char *cgroup_v1[MAX_CGROUP_V1];   /* v1 directories the child's cgroup is made in too */
	struct cgroup_set { uint32_t hierarchy; const char *file, *value; size_t value_len; } cgroup_set[MAX_CGROUP_SETS];
	struct rlimit_req { int resource; struct rlimit limit; const char *text; } rlimits[MAX_RLIMITS];
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

/* A child's own cgroup (cgroup.c). */
struct cg_leaf;

/* One watched process.  On Linux the table is indexed by the pidfd. */
struct watch {
	pid_t pid;              /* 0: slot unused */
	struct cg_leaf *cg;     /* its cgroup, or NULL */
	bool adopted;           /* came in by ADOPT: maybe not our child */
	unsigned char *init_stack; /* an init's stack mapping, taken back at its exit */
	int64_t reap_deadline;  /* >0: exited, waiting for a foreign reaper */
};

struct server {
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
	struct cgroups {               /* --cgroup (cgroup.c) */
		int dir;                   /* our directory in the v2 hierarchy, or -1 */
		const char *path;
		unsigned long long seq;    /* names of new cgroups */
		struct cg_leaf *spares;    /* empty, made by us, nothing written: for the next spawns */
		size_t nspares;
		struct cg_leaf *lingering; /* their process has exited, the rest was killed: removed once empty */
		int inotify;               /* watches the lingering ones' cgroup.events */
		bool clone3;               /* children start inside their cgroup (CLONE_INTO_CGROUP) */
		int64_t last_spawn_ms;
	} cg;
};

extern struct server srv;

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

/* Whether raw_syscall (child.c) leaves errno alone: only then may init
 * share the server's memory (see run_init). */
#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_RAW_SYSCALL 1
#else
#define HAVE_RAW_SYSCALL 0
#endif

/* Whether spawn.c has a clone3 entry for this architecture: only then do
 * children start inside their cgroup (CLONE_INTO_CGROUP); elsewhere their
 * pid is moved in during the handshake. */
#if defined(__x86_64__)
#define HAVE_CLONE3 1
#else
#define HAVE_CLONE3 0
#endif

/* struct sched_attr (include/uapi/linux/sched/types.h), SCHED_ATTR_SIZE_VER0. */
struct corral_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};
#define CORRAL_SCHED_OTHER 0
#endif /* __linux__ */

#define KERNEL_SIGSET_SIZE 8 /* the kernel's sigset_t: 64 signals */

/* A child's context between clone and execve (child.c), prepared by
 * spawn_child (spawn.c). */
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

/* cgroup.c */
int cg_start(const char *path);
struct cg_leaf *cg_prepare(const struct spawn_req *r, struct failure *f);
int cg_leaf_fd(const struct cg_leaf *l);
int cg_enter(struct cg_leaf *l, pid_t pid, bool v2_joined, struct failure *f);
void cg_child_gone(struct cg_leaf *l, bool *oom_killed);
struct cg_leaf *cg_adopted(pid_t pid);
void cg_on_inotify(void);
int cg_timeout(int timeout_ms);
void cg_trim_spares(bool now);
void cg_detach(void);
void cg_kill_all(void);
void cg_finish(void);

/* mounts.c (the child's file system, between clone and execve) */
#ifdef __linux__
void step_filesystem(const struct child *c);
#endif

/* stdio.c: the standard streams the server makes for a child.  child[]
 * holds the descriptors the child gets as 0..nfds-1 (received ones and the
 * child's pipe ends); ours[] the JVM's pipe ends, in stream order. */
struct stdio_plan {
	int child[MAX_MSG_FDS + 3];
	int own_child_ends[3];       /* the child's pipe ends, closed after the spawn */
	int ours[3];
	unsigned n_ours, n_own;
};
unsigned stdio_server_slots(uint32_t options);
int stdio_prepare(struct spawn_req *r, struct stdio_plan *p, struct failure *f);
void stdio_close_child_ends(struct stdio_plan *p);
void stdio_close_ours(struct stdio_plan *p);

/* util.c */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail_set(struct failure *f, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint32_t get_u32(const unsigned char *p);
int64_t now_ms(void);
void close_fds(const int *fds, size_t n);
int read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);
#ifdef __linux__
int sys_pidfd_open(pid_t pid);
int sys_pidfd_send_signal(int pidfd, int sig);
#endif
bool has_default_disposition(int sig);
int set_default_disposition(int sig);
int close_from(unsigned lo, int keep, unsigned fallback_max);
ssize_t read_small_file(int dir, const char *file, char *buf, size_t cap);

/* main.c */
void send_msg_on(int sock, const void *data, size_t len, int fd);

/* child.c */
#ifdef __linux__
int set_fair_scheduling(int nice, uint64_t slice_ns);
unsigned char *init_stack_get(void);
void init_stack_put(unsigned char *s);
#endif
_Noreturn void child_main(struct child *c);
_Noreturn void child_fail_s(const struct child *c, const char *what, const char *arg);

/* spawn.c */
void reap_child(pid_t pid, int pidfd);
void release_init_stack(unsigned char *s);
void release_cgroup(struct cg_leaf *cg);
int spawn_child(const struct spawn_req *r, pid_t *pid_out, int *pidfd_out,
                unsigned char **init_stack_out, struct cg_leaf **cg_out, struct failure *f);

/* watch.c */
void send_exited(pid_t pid, int exit_code, int sig, bool known, bool oom_killed);
void send_held_exits(int sock);
int held_exits_timeout(int timeout_ms);
void send_due_exits(void);
int watch_add(int pidfd, pid_t pid, bool adopted, unsigned char *init_stack, struct cg_leaf *cg);
_Noreturn void shutdown_and_exit(int status);
#ifdef __linux__
bool pidfs_keeps_exit_status(void);
void on_pidfd_ready(int pidfd, uint32_t events);
void expire_reap_waits(void);
#else
extern int sigchld_pipe[2];
extern size_t nchildren;
void on_sigchld(int sig);
void collect_exits(void);
#endif

#endif /* CORRAL_SPAWND_H */
