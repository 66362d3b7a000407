package io.corral.posix;

import io.corral.posix.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;

/**
 * Static access to the C library. Linux values for constants; the calls are
 * POSIX except pidfds (Linux 5.3+), which report {@link #hasPidfd()} false elsewhere.
 */
public final class Posix {

    public static final int SIGHUP = 1;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_CLOEXEC = 02000000;

    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EINVAL = 22;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int EMSGSIZE = 90;
    public static final int EMFILE = 24;
    public static final int ECONNRESET = 104;

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 02000000;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    /** getgrouplist(3) is not reentrant on every libc: one caller at a time. */
    private static final Object DATABASE_LOCK = new Object();

    // struct passwd and struct group on Linux LP64 (x86_64, aarch64): pointers 8 bytes, uid_t/gid_t 4.
    private static final int PASSWD_SIZE = 48;
    private static final int PW_NAME = 0;
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int PW_DIR = 32;
    private static final int PW_SHELL = 40;
    private static final int GROUP_SIZE = 32;
    private static final int GR_NAME = 0;
    private static final int GR_GID = 16;
    /** The largest buffer a user or group lookup may grow to. */
    private static final int LOOKUP_BUFFER_MAX = 1 << 20;

    private Posix() {
    }

    static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    public static String strerror(int errno) {
        String s = LIBC.strerror(errno);
        return s != null ? s : "errno " + errno;
    }

    /** Throws a {@link PosixException} naming the call when {@code result} is -1. */
    static long check(long result, String call) throws PosixException {
        if (result == -1) {
            throw new PosixException(call, errno());
        }
        return result;
    }

    // ---- descriptors ----

    public static void close(int fd) throws PosixException {
        check(LIBC.close(fd), "close " + fd);
    }

    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }

    /** Closes each descriptor of {@code fds} that is not negative; none when it is null. */
    public static void closeQuietly(int[] fds) {
        if (fds != null) {
            for (int fd : fds) {
                closeQuietly(fd);
            }
        }
    }

    /** Opens a file, always close-on-exec. */
    public static int open(String path, int flags, int mode) throws PosixException {
        return (int) check(LIBC.open(path, flags | O_CLOEXEC, mode), "open " + path);
    }

    /** A close-on-exec pipe: [read end, write end]. */
    public static int[] pipe() throws PosixException {
        int[] fds = new int[2];
        check(LIBC.pipe2(fds, O_CLOEXEC), "pipe2");
        return fds;
    }

    /** A close-on-exec AF_UNIX socketpair of the given type. */
    static int[] socketpair(int type) throws PosixException {
        int[] sv = new int[2];
        check(LIBC.socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), "socketpair");
        return sv;
    }

    /** The descriptors this process has open, from /proc/self/fd (Linux). */
    public static List<Integer> openDescriptors() {
        List<Integer> fds = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        } catch (IOException e) {
            throw new IllegalStateException("listing /proc/self/fd: " + e.getMessage(), e);
        }
        return fds;
    }

    // ---- processes ----

    public static int getpid() {
        return LIBC.getpid();
    }

    public static int getuid() {
        return LIBC.getuid();
    }

    public static int geteuid() {
        return LIBC.geteuid();
    }

    public static int getgid() {
        return LIBC.getgid();
    }

    public static int getegid() {
        return LIBC.getegid();
    }

    /** The calling process's supplementary groups. */
    public static int[] getgroups() throws PosixException {
        int n = (int) check(LIBC.getgroups(0, null), "getgroups");
        int[] groups = new int[n];
        int got = (int) check(LIBC.getgroups(n, groups), "getgroups");
        return got == n ? groups : java.util.Arrays.copyOf(groups, got);
    }

    /** Sends a signal; false when the process does not exist. */
    public static boolean kill(int pid, int signal) throws PosixException {
        if (LIBC.kill(pid, signal) == -1) {
            int e = errno();
            if (e == ESRCH) {
                return false;
            }
            throw new PosixException("kill " + pid + " signal " + signal, e);
        }
        return true;
    }

    /**
     * Waits for one specific child (never -1: other bundles' children are not ours).
     * Returns the raw wait status, or -1 with {@code WNOHANG} when it has not exited.
     */
    public static int waitpid(int pid, boolean noHang) throws PosixException {
        int[] status = new int[1];
        while (true) {
            int r = LIBC.waitpid(pid, status, noHang ? 1 : 0);
            if (r == -1 && errno() == EINTR) {
                continue;
            }
            check(r, "waitpid " + pid);
            return r == 0 ? -1 : status[0];
        }
    }

    /** SIGKILL and reap one child, for clean-up paths where a failure can only be ignored. */
    public static void killAndReap(int pid) {
        LIBC.kill(pid, SIGKILL);
        int[] status = new int[1];
        while (LIBC.waitpid(pid, status, 0) == -1 && errno() == EINTR) {
            // retry
        }
    }

    public static boolean hasPidfd() {
        return jnr.ffi.Platform.getNativePlatform().getOS() == jnr.ffi.Platform.OS.LINUX;
    }

    /** A close-on-exec pidfd for a live process (Linux 5.3+). */
    public static int pidfdOpen(int pid) throws PosixException {
        return (int) check(LIBC.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0), "pidfd_open " + pid);
    }

    /** Signals through a pidfd; false when the process has already exited. */
    public static boolean pidfdSignal(int pidfd, int signal) throws PosixException {
        if (LIBC.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) == -1) {
            int e = errno();
            if (e == ESRCH) {
                return false;
            }
            throw new PosixException("pidfd_send_signal " + signal, e);
        }
        return true;
    }

    /**
     * Starts a program with posix_spawn, giving it {@code fds} as its
     * descriptors 0, 1, 2, 3, …. The JVM's descriptors that are not
     * close-on-exec are inherited too: only spawn programs that close what
     * they were not given (Corral's spawn server does).
     */
    public static int spawn(String path, List<String> argv, List<String> env, int... fds) throws PosixException {
        List<SpawnFileAction> actions = new ArrayList<>();
        for (int i = 0; i < fds.length; i++) {
            actions.add(SpawnFileAction.dup(fds[i], i));
        }
        long pid = POSIX.posix_spawnp(path, actions, argv, env);
        if (pid <= 0) {
            throw new PosixException("posix_spawn " + path, POSIX.errno());
        }
        return (int) pid;
    }

    // ---- users and groups ----

    /** The user named {@code name}, or null when the user database has none. */
    public static Passwd getpwnam(String name) throws PosixException {
        return lookup("getpwnam \"" + name + "\"", PASSWD_SIZE,
            (entry, buffer, size, result) -> LIBC.getpwnam_r(name, entry, buffer, size, result), Posix::passwd);
    }

    /** The user with {@code uid} (unsigned), or null when the user database has none. */
    public static Passwd getpwuid(int uid) throws PosixException {
        return lookup("getpwuid " + Integer.toUnsignedString(uid), PASSWD_SIZE,
            (entry, buffer, size, result) -> LIBC.getpwuid_r(uid, entry, buffer, size, result), Posix::passwd);
    }

    /** The group named {@code name}, or null when the group database has none. */
    public static GroupEntry getgrnam(String name) throws PosixException {
        return lookup("getgrnam \"" + name + "\"", GROUP_SIZE,
            (entry, buffer, size, result) -> LIBC.getgrnam_r(name, entry, buffer, size, result), Posix::group);
    }

    /** The group with {@code gid} (unsigned), or null when the group database has none. */
    public static GroupEntry getgrgid(int gid) throws PosixException {
        return lookup("getgrgid " + Integer.toUnsignedString(gid), GROUP_SIZE,
            (entry, buffer, size, result) -> LIBC.getgrgid_r(gid, entry, buffer, size, result), Posix::group);
    }

    /**
     * Every group of a user, as getgrouplist(3) gives them: {@code gid} first,
     * then the groups that list the user as a member. Touches no process's ids.
     */
    public static int[] getgrouplist(String user, int gid) throws PosixException {
        int size = 64;
        while (true) {
            int[] groups = new int[size];
            IntByReference n = new IntByReference(size);
            int r;
            synchronized (DATABASE_LOCK) {
                r = LIBC.getgrouplist(user, gid, groups, n);
            }
            if (r >= 0) {
                return java.util.Arrays.copyOf(groups, n.intValue());
            }
            if (n.intValue() <= size) {
                throw new PosixException("getgrouplist " + user, EINVAL);
            }
            size = n.intValue();
        }
    }

    /** One reentrant lookup: fills {@code entry} with pointers into {@code buffer}; returns an error number. */
    private interface DatabaseCall {
        int call(Pointer entry, Pointer buffer, long size, PointerByReference result);
    }

    /**
     * Runs a get*_r call, growing its buffer while it says ERANGE (a group
     * with many members needs more than the usual 1 KiB). Null when there is
     * no such entry: glibc says so with 0, some NSS modules with ENOENT or ESRCH.
     */
    private static <T> T lookup(String call, int entrySize, DatabaseCall lookup, EntryReader<T> reader)
            throws PosixException {
        Pointer entry = Memory.allocateDirect(RUNTIME, entrySize, true);
        for (int size = 1024; ; size *= 2) {
            Pointer buffer = Memory.allocateDirect(RUNTIME, size, false);
            PointerByReference result = new PointerByReference();
            int error = lookup.call(entry, buffer, size, result);
            if (error == ERANGE && size < LOOKUP_BUFFER_MAX) {
                continue;
            }
            if (error != 0 && error != ENOENT && error != ESRCH) {
                throw new PosixException(call, error);
            }
            Pointer found = result.getValue();
            return found == null || found.address() == 0 ? null : reader.read(entry, size);
        }
    }

    private interface EntryReader<T> {
        T read(Pointer entry, int bufferSize);
    }

    private static Passwd passwd(Pointer pw, int bufferSize) {
        return new Passwd(string(pw, PW_NAME, bufferSize), pw.getInt(PW_UID), pw.getInt(PW_GID),
            string(pw, PW_DIR, bufferSize), string(pw, PW_SHELL, bufferSize));
    }

    private static GroupEntry group(Pointer gr, int bufferSize) {
        return new GroupEntry(string(gr, GR_NAME, bufferSize), gr.getInt(GR_GID));
    }

    /** A char* field of an entry; its text lies in the lookup's buffer, so it is at most that long. */
    private static String string(Pointer entry, int offset, int bufferSize) {
        Pointer p = entry.getPointer(offset);
        return p == null || p.address() == 0 ? "" : p.getString(0, bufferSize, StandardCharsets.UTF_8);
    }
}
