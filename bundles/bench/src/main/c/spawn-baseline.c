/*
 * The baseline of Corral's spawn benchmark: posix_spawn + waitpid of a
 * program, N times, from C. Prints the mean and median spawn-to-exit time in
 * nanoseconds, one line: "MEAN_NS MEDIAN_NS".
 *
 * With --ns KEYS (Corral's namespace keys, comma-separated) it measures the
 * kernel's own price for those namespaces instead: clone(CLONE_VM |
 * CLONE_VFORK) with the namespace flags, as posix_spawn does without them;
 * the child writes a one-entry map of its own ids itself (the cheapest way a
 * user namespace gets one), makes / private and mounts a fresh /proc when it
 * has mount and pid namespaces, then execs. Nothing else stands between the
 * caller and the program: this is the floor any spawner with those
 * namespaces stands on.
 *
 * With --empty it runs no program: clone(CLONE_VM) of a child that exits at
 * once, then waitpid. That is the least one more process per spawn can cost
 * (a pid namespace's init is one), whatever it does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static struct {
    int flags;          /* CLONE_NEW* */
    int init;           /* stay as the pid namespace's init, the program as pid 2 */
    char **argv;
    char uid_map[32], gid_map[32];
    char stack[64 * 1024] __attribute__((aligned(16)));
    char program_stack[64 * 1024] __attribute__((aligned(16)));
} floor_child;

static int parse_ns(const char *keys)
{
    static const struct { const char *key; int flag; } known[] = {
        { "credential", CLONE_NEWUSER }, { "pid", CLONE_NEWPID }, { "mount", CLONE_NEWNS },
        { "uname", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC }, { "network", CLONE_NEWNET },
        { "cgroup", CLONE_NEWCGROUP },
    };
    int flags = 0;
    char *copy = strdup(keys), *save = NULL;
    for (char *k = strtok_r(copy, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof known / sizeof known[0] && strcmp(known[i].key, k) != 0)
            i++;
        if (i == sizeof known / sizeof known[0]) {
            fprintf(stderr, "spawn-baseline: --ns \"%s\": unknown namespace \"%s\"\n", keys, k);
            exit(2);
        }
        flags |= known[i].flag;
    }
    free(copy);
    return flags;
}

/* Async-signal-safe only: the child shares our memory until it execs. */
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n < 0 ? -1 : 0;
}

static int program_main(void *unused)
{
    (void) unused;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(floor_child.argv[0], floor_child.argv, environ);
    _exit(127);
}

/* The init's loop: forward every signal, reap every child, end with the program. */
static void run_init(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    pid_t program = clone(program_main, floor_child.program_stack + sizeof floor_child.program_stack,
        CLONE_VM | SIGCHLD, NULL);
    if (program < 0)
        _exit(126);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig > 0 && sig != SIGCHLD) {
            kill(program, sig);
            continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
            if (p == program)
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}

static int empty_main(void *unused)
{
    (void) unused;
    _exit(0);
}

static int floor_main(void *unused)
{
    (void) unused;
    int f = floor_child.flags;
    if ((f & CLONE_NEWUSER) && (write_file("/proc/self/setgroups", "deny") != 0
            || write_file("/proc/self/uid_map", floor_child.uid_map) != 0
            || write_file("/proc/self/gid_map", floor_child.gid_map) != 0))
        _exit(126);
    if ((f & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        _exit(126);
    if ((f & CLONE_NEWNS) && (f & CLONE_NEWPID)
            && mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        _exit(126);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        _exit(126);
    if (floor_child.init)
        run_init();
    execve(floor_child.argv[0], floor_child.argv, environ);
    _exit(127);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--ns") == 0) {
        floor_child.flags = parse_ns(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc >= 2 && strcmp(argv[1], "--init") == 0) {
        if (!(floor_child.flags & CLONE_NEWPID)) {
            fprintf(stderr, "spawn-baseline: --init needs pid among the --ns namespaces\n");
            return 2;
        }
        floor_child.init = 1;
        argv++;
        argc--;
    }
    int empty = 0;
    if (floor_child.flags == 0 && argc >= 2 && strcmp(argv[1], "--empty") == 0) {
        empty = 1;
        argv++;
        argc--;
    }
    if (argc < (empty ? 2 : 3)) {
        fprintf(stderr, "usage: spawn-baseline [--ns KEYS [--init] | --empty] N PROGRAM [ARGS...]\n"
            "       (no PROGRAM with --empty)\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n <= 0) {
        fprintf(stderr, "spawn-baseline: N \"%s\" must be a positive number\n", argv[1]);
        return 2;
    }
    /* The same stdio as the Java side gives its children: /dev/null. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    long long *t = calloc((size_t) n, sizeof *t);
    if (t == NULL) {
        perror("spawn-baseline: calloc");
        return 1;
    }
    floor_child.argv = argv + 2;
    snprintf(floor_child.uid_map, sizeof floor_child.uid_map, "0 %d 1", (int) getuid());
    snprintf(floor_child.gid_map, sizeof floor_child.gid_map, "0 %d 1", (int) getgid());
    long long total = 0;
    for (int i = 0; i < n; i++) {
        long long start = now_ns();
        pid_t pid;
        if (empty || floor_child.flags != 0) {
            pid = empty ? clone(empty_main, floor_child.stack + sizeof floor_child.stack, CLONE_VM | SIGCHLD, NULL)
                : clone(floor_main, floor_child.stack + sizeof floor_child.stack,
                    CLONE_VM | CLONE_VFORK | SIGCHLD | floor_child.flags, NULL);
            if (pid < 0) {
                perror("spawn-baseline: clone");
                return 1;
            }
        } else {
            int rc = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ);
            if (rc != 0) {
                fprintf(stderr, "spawn-baseline: posix_spawn %s: %s\n", argv[2], strerror(rc));
                return 1;
            }
        }
        int status;
        while (waitpid(pid, &status, 0) == -1) {
            if (errno != EINTR) {
                perror("spawn-baseline: waitpid");
                return 1;
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "spawn-baseline: %s ended with wait status 0x%x\n", empty ? "--empty" : argv[2], status);
            return 1;
        }
        t[i] = now_ns() - start;
        total += t[i];
    }
    qsort(t, (size_t) n, sizeof *t, cmp);
    printf("%lld %lld\n", total / n, t[n / 2]);
    return 0;
}
