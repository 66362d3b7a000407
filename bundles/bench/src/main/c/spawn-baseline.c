/*
 * The baseline of Corral's spawn benchmark: posix_spawn + waitpid of a
 * program, N times, from C. Prints the mean and median spawn-to-exit time in
 * nanoseconds, one line: "MEAN_NS MEDIAN_NS".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

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
    if (argc < 3) {
        fprintf(stderr, "usage: spawn-baseline N PROGRAM [ARGS...]\n");
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
    long long total = 0;
    for (int i = 0; i < n; i++) {
        long long start = now_ns();
        pid_t pid;
        int rc = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ);
        if (rc != 0) {
            fprintf(stderr, "spawn-baseline: posix_spawn %s: %s\n", argv[2], strerror(rc));
            return 1;
        }
        int status;
        while (waitpid(pid, &status, 0) == -1) {
            if (errno != EINTR) {
                perror("spawn-baseline: waitpid");
                return 1;
            }
        }
        t[i] = now_ns() - start;
        total += t[i];
    }
    qsort(t, (size_t) n, sizeof *t, cmp);
    printf("%lld %lld\n", total / n, t[n / 2]);
    return 0;
}
