package io.corral.app.internal;

import io.corral.api.app.ConfigurationException;
import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.SpawnSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the application's user may run its executable and enter its
 * working directory, decided as the kernel will once the process has taken
 * the user's ids: search (x) permission on every directory on the way, and
 * execute permission on the file, from the owner's, the group's or the
 * others' bits, whichever class the user falls in (the owner's alone when
 * the user owns it). Root searches every directory and executes a regular
 * file when any x bit is set. The process factory checks as Corral itself,
 * which is root when it may change ids, so it cannot tell.
 *
 * <p>POSIX ACLs are not read: a file that only an ACL lets the user run is
 * refused.
 */
final class ExecutePermission {

    /** What is needed of a file: its type, mode and owner (following symbolic links, as execve does). */
    record Inode(boolean directory, int mode, int uid, int gid) {
    }

    /** stat(2) and realpath(3); a seam, so that tests need not be root to see a root-owned file. */
    interface Inodes {
        Inode stat(Path path) throws IOException;

        Path realPath(Path path) throws IOException;
    }

    /** The real file system, through the "unix" attribute view. */
    static final Inodes FILES = new Inodes() {
        @Override
        public Inode stat(Path path) throws IOException {
            Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid");
            return new Inode(Files.isDirectory(path), (Integer) a.get("mode") & 07777, (Integer) a.get("uid"),
                (Integer) a.get("gid"));
        }

        @Override
        public Path realPath(Path path) throws IOException {
            return path.toRealPath();
        }
    };

    private final Inodes inodes;

    ExecutePermission(Inodes inodes) {
        this.inodes = inodes;
    }

    /**
     * Whether the host tells what the process will meet: not inside a
     * credential namespace, where its ids on the host are the mapped ones,
     * nor in a file tree of its own (a root file system or mounts), where
     * its paths lead elsewhere. Those cases are left to the spawn.
     */
    static boolean appliesTo(SpawnSpec spec) {
        return !spec.isolation().has(Namespace.CREDENTIAL) && spec.filesystem().rootfs().isEmpty()
            && spec.filesystem().mounts().isEmpty();
    }

    /** Both checks, for a spec that passed the process factory's validation. */
    void check(String at, SpawnSpec spec, Credential user) throws ConfigurationException {
        Path file = spawned(spec);
        if (file != null) {
            checkExecutable(at, spec.executable(), file, user);
        }
        if (spec.workingDirectory() != null) {
            checkDirectory(at, spec.workingDirectory(), Path.of(spec.workingDirectory()), user);
        }
    }

    /**
     * The file the process factory spawns: an application's executable is a
     * path (Specs takes a relative one in its working directory, as Unit
     * does); no PATH is searched.
     */
    static Path spawned(SpawnSpec spec) {
        String executable = spec.executable();
        try {
            if (executable.contains("/")) {
                return Path.of(executable).toAbsolutePath();
            }
        } catch (InvalidPathException e) {
            // The process factory refuses it with its reason.
        }
        return null;
    }

    /**
     * @param at    the application's place in the document, e.g. {@code applications/web}
     * @param given the executable as the document has it
     * @param file  the absolute file that is spawned
     */
    void checkExecutable(String at, String given, Path file, Credential user) throws ConfigurationException {
        String what = "executable \"" + given + "\"" + (given.equals(file.toString()) ? "" : " (" + file + ")");
        List<Path> dirs = new ArrayList<>(ancestors(file));
        try {
            dirs.addAll(ancestors(inodes.realPath(file)));
        } catch (IOException e) {
            return; // gone meanwhile: the spawn says so
        }
        for (Path dir : new LinkedHashSet<>(dirs)) {
            checkSearch(at, what, dir, user);
        }
        Inode inode = stat(file);
        if (inode == null || inode.directory()) {
            return;
        }
        if (user.uid() == 0) {
            if ((inode.mode() & 0111) == 0) {
                throw refused(at, what, user, "execute it: its mode " + octal(inode.mode())
                    + " has no execute bit, and even root executes a file only when one is set");
            }
            return;
        }
        String denied = denied(inode, user, "execute");
        if (denied != null) {
            throw refused(at, what, user, "execute it: " + denied);
        }
    }

    /** chdir(2) runs after the ids are set, so every directory of the path must be searchable, the last one too. */
    void checkDirectory(String at, String given, Path dir, Credential user) throws ConfigurationException {
        String what = "working_directory \"" + given + "\"";
        Set<Path> dirs = new LinkedHashSet<>(ancestors(dir));
        dirs.add(dir);
        try {
            Path real = inodes.realPath(dir);
            dirs.addAll(ancestors(real));
            dirs.add(real);
        } catch (IOException e) {
            return;
        }
        for (Path d : dirs) {
            checkSearch(at, what, d, user);
        }
    }

    private void checkSearch(String at, String what, Path dir, Credential user) throws ConfigurationException {
        Inode inode = stat(dir);
        if (inode == null || user.uid() == 0) {
            return;
        }
        String denied = denied(inode, user, "search");
        if (denied != null) {
            throw refused(at, what, user, "search the directory \"" + dir + "\": " + denied);
        }
    }

    /** Null when the user's class of the mode has x; else why not, naming the class. */
    private static String denied(Inode inode, Credential user, String permission) {
        String who;
        int shift;
        if (inode.uid() == user.uid()) {
            who = "its owner";
            shift = 6;
        } else if (user.groups().stream().mapToInt(GroupId::gid).anyMatch(g -> g == inode.gid())) {
            who = "its group";
            shift = 3;
        } else {
            who = "others";
            shift = 0;
        }
        if ((inode.mode() >> shift & 1) != 0) {
            return null;
        }
        return "its mode " + octal(inode.mode()) + " (owner " + Integer.toUnsignedString(inode.uid()) + ", group "
            + Integer.toUnsignedString(inode.gid()) + ") gives " + who + " no " + permission + " permission";
    }

    /** Null when the file cannot be seen: the process factory's own checks report that. */
    private Inode stat(Path p) {
        try {
            return inodes.stat(p);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** "/", "/a", "/a/b" for "/a/b/c": the directories a lookup of the path passes through. */
    private static List<Path> ancestors(Path p) {
        List<Path> dirs = new ArrayList<>();
        Path root = p.getRoot();
        if (root == null) {
            return dirs;
        }
        dirs.add(root);
        for (int i = 1; i < p.getNameCount(); i++) {
            dirs.add(root.resolve(p.subpath(0, i)));
        }
        return dirs;
    }

    private static ConfigurationException refused(String at, String what, Credential user, String rule) {
        return new ConfigurationException(at, what + ": user \"" + user.user() + "\" (" + user.toIdString()
            + ") may not " + rule);
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
