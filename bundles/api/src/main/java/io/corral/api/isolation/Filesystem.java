package io.corral.api.isolation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a process sees of the file system, in a mount namespace: Unit's
 * {@code isolation.rootfs} and {@code automount}, and mounts in the spirit of
 * bubblewrap. With a root file system the child's {@code /} becomes that
 * directory ({@code pivot_root}) and the host's tree is detached, so no path
 * leads out of it. Immutable; build one with {@link #builder()}. A final
 * class rather than a record, so that another option is a minor version.
 *
 * @since 2.0
 */
public final class Filesystem {

    /** The host's tree as it is (a mount namespace still makes the mounts private). */
    public static final Filesystem NONE = builder().build();

    /** One mount, made in the order given, at {@code destination} inside the new root. */
    public static final class Mount {

        /** What is mounted. */
        public enum Type {
            /** {@code source} of the host, bound at the destination. */
            BIND,
            /** An empty, private tmpfs. */
            TMPFS,
            /** A fresh proc of the process's pid namespace. */
            PROC,
            /** A minimal /dev: null, zero, full, random, urandom, tty, a private pts and shm. */
            DEV
        }

        private final Type type;
        private final String source;
        private final String destination;
        private final boolean readOnly;

        private Mount(Type type, String source, String destination, boolean readOnly) {
            this.type = Objects.requireNonNull(type, "type");
            this.source = source;
            this.destination = Objects.requireNonNull(destination, "destination");
            this.readOnly = readOnly;
            if (!destination.startsWith("/")) {
                throw new IllegalArgumentException("mount destination \"" + destination + "\": must be an absolute"
                    + " path");
            }
            if (type == Type.BIND && (source == null || !source.startsWith("/"))) {
                throw new IllegalArgumentException("bind mount source \"" + source + "\": must be an absolute path");
            }
        }

        public static Mount bind(String source, String destination, boolean readOnly) {
            return new Mount(Type.BIND, source, destination, readOnly);
        }

        public static Mount tmpfs(String destination) {
            return new Mount(Type.TMPFS, null, destination, false);
        }

        public static Mount proc(String destination) {
            return new Mount(Type.PROC, null, destination, false);
        }

        public static Mount dev(String destination) {
            return new Mount(Type.DEV, null, destination, false);
        }

        public Type type() {
            return type;
        }

        /** The host path of a bind mount, else empty. */
        public Optional<String> source() {
            return Optional.ofNullable(source);
        }

        public String destination() {
            return destination;
        }

        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Mount m && type == m.type && Objects.equals(source, m.source)
                && destination.equals(m.destination) && readOnly == m.readOnly;
        }

        @Override
        public int hashCode() {
            return Objects.hash(type, source, destination, readOnly);
        }

        @Override
        public String toString() {
            return type.name().toLowerCase(java.util.Locale.ROOT) + (source != null ? " " + source : "") + " "
                + destination + (readOnly ? " (read-only)" : "");
        }
    }

    private final String rootfs;
    private final boolean procfs;
    private final boolean tmpfs;
    private final boolean languageDeps;
    private final boolean readOnlyRoot;
    private final List<Mount> mounts;

    private Filesystem(Builder b) {
        this.rootfs = b.rootfs;
        this.procfs = b.procfs != null ? b.procfs : b.rootfs != null;
        this.tmpfs = b.tmpfs;
        this.languageDeps = b.languageDeps;
        this.readOnlyRoot = b.readOnlyRoot;
        this.mounts = List.copyOf(b.mounts);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Unit's {@code isolation.rootfs}: the directory that becomes {@code /}, or empty for the host's. */
    public Optional<String> rootfs() {
        return Optional.ofNullable(rootfs);
    }

    /** Unit's {@code automount.procfs}: a fresh /proc (on by default with a root file system). */
    public boolean procfs() {
        return procfs;
    }

    /** Unit's {@code automount.tmpfs}: a private, empty /tmp. */
    public boolean tmpfs() {
        return tmpfs;
    }

    /** Unit's {@code automount.language_deps}: accepted; Corral's external applications need no runtime mounted. */
    public boolean languageDeps() {
        return languageDeps;
    }

    /** The new root read-only once every mount is made. */
    public boolean readOnlyRoot() {
        return readOnlyRoot;
    }

    /** Further mounts, in order. */
    public List<Mount> mounts() {
        return mounts;
    }

    /** Whether anything is asked beyond the host's tree. */
    public boolean isDefault() {
        return rootfs == null && !procfs && !tmpfs && !readOnlyRoot && mounts.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Filesystem f && Objects.equals(rootfs, f.rootfs) && procfs == f.procfs
            && tmpfs == f.tmpfs && languageDeps == f.languageDeps && readOnlyRoot == f.readOnlyRoot
            && mounts.equals(f.mounts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rootfs, procfs, tmpfs, languageDeps, readOnlyRoot, mounts);
    }

    @Override
    public String toString() {
        return "Filesystem[rootfs=" + rootfs + ", procfs=" + procfs + ", tmpfs=" + tmpfs + ", readOnlyRoot="
            + readOnlyRoot + ", mounts=" + mounts + "]";
    }

    /** A mutable builder. */
    public static final class Builder {
        private String rootfs;
        private Boolean procfs;
        private boolean tmpfs;
        private boolean languageDeps;
        private boolean readOnlyRoot;
        private final List<Mount> mounts = new ArrayList<>();

        private Builder() {
        }

        /** Unit's rule: an absolute path, not {@code /}; that it is a directory is checked at spawn. */
        public Builder rootfs(String path) {
            if (path != null && (!path.startsWith("/") || path.replaceAll("/+$", "").isEmpty())) {
                throw new IllegalArgumentException("rootfs \"" + path + "\": must be an absolute path other than"
                    + " \"/\"");
            }
            this.rootfs = path;
            return this;
        }

        public Builder procfs(boolean v) {
            this.procfs = v;
            return this;
        }

        public Builder tmpfs(boolean v) {
            this.tmpfs = v;
            return this;
        }

        public Builder languageDeps(boolean v) {
            this.languageDeps = v;
            return this;
        }

        public Builder readOnlyRoot(boolean v) {
            this.readOnlyRoot = v;
            return this;
        }

        public Builder mount(Mount m) {
            mounts.add(Objects.requireNonNull(m, "mount"));
            return this;
        }

        public Filesystem build() {
            return new Filesystem(this);
        }
    }
}
