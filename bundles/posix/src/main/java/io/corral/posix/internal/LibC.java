package io.corral.posix.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

/** The libc functions jnr-posix does not offer (or offers without the flags Corral needs). */
public interface LibC {

    @SaveError
    int socketpair(int domain, int type, int protocol, @Out int[] sv);

    @SaveError
    long send(int fd, Pointer buffer, @size_t long length, int flags);

    @SaveError
    long sendmsg(int fd, Pointer msg, int flags);

    @SaveError
    long recvmsg(int fd, Pointer msg, int flags);

    @SaveError
    int close(int fd);

    int shutdown(int fd, int how);

    @SaveError
    int setsockopt(int fd, int level, int name, @jnr.ffi.annotations.In int[] value, int length);

    /** For options that are a struct of longs, such as SO_RCVTIMEO's struct timeval. */
    @SaveError
    int setsockopt(int fd, int level, int name, @jnr.ffi.annotations.In long[] value, int length);

    @SaveError
    int getsockopt(int fd, int level, int name, @Out int[] value, @jnr.ffi.annotations.In @Out int[] length);

    @SaveError
    int fcntl(int fd, int cmd, int arg);

    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    @SaveError
    int epoll_wait(int epfd, Pointer events, int maxevents, int timeout);

    @SaveError
    long read(int fd, Pointer buffer, @size_t long count);

    @SaveError
    long write(int fd, Pointer buffer, @size_t long count);

    @SaveError
    int poll(Pointer fds, long nfds, int timeout);

    @SaveError
    int open(String path, int flags, int mode);

    @SaveError
    int pipe2(@Out int[] fds, int flags);

    @SaveError
    long syscall(long number, long a1, long a2, long a3, long a4);

    // The reentrant database lookups return their error number instead of setting errno,
    // which is the only reliable way to tell "no such entry" from "the lookup failed".
    int getpwnam_r(String name, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

    int getpwuid_r(int uid, Pointer pwd, Pointer buf, @size_t long buflen, PointerByReference result);

    int getgrnam_r(String name, Pointer grp, Pointer buf, @size_t long buflen, PointerByReference result);

    int getgrgid_r(int gid, Pointer grp, Pointer buf, @size_t long buflen, PointerByReference result);

    @SaveError
    int getgrouplist(String user, int group, @Out int[] groups, jnr.ffi.byref.IntByReference ngroups);

    @SaveError
    int kill(int pid, int signal);

    @SaveError
    int waitpid(int pid, @Out int[] status, int options);

    @SaveError
    int getgroups(int size, @Out int[] list);

    int getuid();

    int geteuid();

    int getgid();

    int getegid();

    int getpid();

    String strerror(int errno);
}
