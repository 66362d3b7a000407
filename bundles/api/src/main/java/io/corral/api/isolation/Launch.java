package io.corral.api.isolation;

import io.corral.api.credential.Credential;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Everything a provider needs to create one process, resolved and validated. */
public final class Launch {

    /** In {@link #descriptors()} at 0, 1 or 2: a pipe the provider makes (since 3.0). */
    public static final int PIPE = -2;
    /** In {@link #descriptors()} at 2: the child's fd 1 again, whatever it is (since 3.0). */
    public static final int SAME_AS_OUTPUT = -3;

    private final String path;
    private final List<String> argv;
    private final List<String> env;
    private final String cwd;
    private final Credential credential;
    private final IsolationRequest isolation;
    private final String title;
    private final int[] descriptors;
    private final Resources resources;
    private final Filesystem filesystem;

    /**
     * @param path        absolute path of the program
     * @param argv        the argument vector, argv[0] included
     * @param env         the environment as {@code KEY=VALUE} strings
     * @param cwd         directory to change to, or null
     * @param credential  the ids to give the child, or null to keep the container's
     *                    (never null with the credential namespace)
     * @param isolation   namespaces and maps
     * @param title       the process title before exec ({@code corral: NAME})
     * @param descriptors descriptors the child gets as 0, 1, 2, 3, … (at least three);
     *                    the provider does not close them. At 0, 1 or 2, {@link #PIPE} asks
     *                    the provider for a pipe (Corral's end comes back in
     *                    {@link Launched#streams()}); at 2, {@link #SAME_AS_OUTPUT} gives the
     *                    child its fd 1 again
     * @param resources   limits and cgroup (since 2.0); null for none
     * @param filesystem  root file system and mounts (since 2.0); null for none
     */
    public Launch(String path, List<String> argv, List<String> env, String cwd, Credential credential,
            IsolationRequest isolation, String title, int[] descriptors, Resources resources,
            Filesystem filesystem) {
        if (descriptors.length < 3) {
            throw new IllegalArgumentException("a launch needs at least stdin, stdout and stderr");
        }
        for (int i = 0; i < descriptors.length; i++) {
            int fd = descriptors[i];
            if (fd < 0 && !(fd == PIPE && i < 3) && !(fd == SAME_AS_OUTPUT && i == 2)) {
                throw new IllegalArgumentException("descriptor " + i + " is " + fd + ": a descriptor, PIPE at 0 to 2,"
                    + " or SAME_AS_OUTPUT at 2");
            }
        }
        this.path = path;
        this.argv = List.copyOf(argv);
        this.env = List.copyOf(env);
        this.cwd = cwd;
        this.credential = credential;
        this.isolation = isolation;
        this.title = title;
        this.descriptors = descriptors.clone();
        this.resources = resources == null ? Resources.NONE : resources;
        this.filesystem = filesystem == null ? Filesystem.NONE : filesystem;
    }

    /**
     * A builder: no arguments but what {@link Builder#argv} sets, an empty environment,
     * no directory, no credential, {@link IsolationRequest#NONE}, no limits, no file system.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The absolute path of the program. */
    public String path() {
        return path;
    }

    /** The argument vector, argv[0] included. */
    public List<String> argv() {
        return argv;
    }

    /** The environment as {@code KEY=VALUE} strings. */
    public List<String> env() {
        return env;
    }

    /** The directory to change to, or null. */
    public String cwd() {
        return cwd;
    }

    /** The ids to give the child, or null to keep the container's. */
    public Credential credential() {
        return credential;
    }

    /** Namespaces and maps. */
    public IsolationRequest isolation() {
        return isolation;
    }

    /** The process title before exec ({@code corral: NAME}). */
    public String title() {
        return title;
    }

    /** A copy of the descriptors the child gets as 0, 1, 2, 3, …; the provider does not close them. */
    public int[] descriptors() {
        return descriptors.clone();
    }

    /** Limits and cgroup (since 2.0); {@link Resources#NONE} for none. */
    public Resources resources() {
        return resources;
    }

    /** Root file system and mounts (since 2.0); {@link Filesystem#NONE} for none. */
    public Filesystem filesystem() {
        return filesystem;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Launch l && Objects.equals(l.path, path) && l.argv.equals(argv) && l.env.equals(env)
            && Objects.equals(l.cwd, cwd) && Objects.equals(l.credential, credential)
            && Objects.equals(l.isolation, isolation) && Objects.equals(l.title, title)
            && Arrays.equals(l.descriptors, descriptors) && l.resources.equals(resources)
            && l.filesystem.equals(filesystem);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, argv, env, cwd, credential, isolation, title, Arrays.hashCode(descriptors),
            resources, filesystem);
    }

    @Override
    public String toString() {
        return "Launch[path=" + path + ", argv=" + argv + ", env=" + env + ", cwd=" + cwd + ", credential="
            + credential + ", isolation=" + isolation + ", title=" + title + ", descriptors="
            + Arrays.toString(descriptors) + ", resources=" + resources + ", filesystem=" + filesystem + "]";
    }

    /** Builds a {@link Launch}; not thread-safe. */
    public static final class Builder {

        private String path;
        private List<String> argv = List.of();
        private List<String> env = List.of();
        private String cwd;
        private Credential credential;
        private IsolationRequest isolation = IsolationRequest.NONE;
        private String title;
        private int[] descriptors = new int[0];
        private Resources resources;
        private Filesystem filesystem;

        private Builder() {
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder argv(List<String> argv) {
            this.argv = argv;
            return this;
        }

        public Builder env(List<String> env) {
            this.env = env;
            return this;
        }

        public Builder cwd(String cwd) {
            this.cwd = cwd;
            return this;
        }

        public Builder credential(Credential credential) {
            this.credential = credential;
            return this;
        }

        public Builder isolation(IsolationRequest isolation) {
            this.isolation = isolation;
            return this;
        }

        public Builder title(String title) {
            this.title = title;
            return this;
        }

        /** The descriptors the child gets as 0, 1, 2, 3, … (at least three). */
        public Builder descriptors(int... descriptors) {
            this.descriptors = descriptors.clone();
            return this;
        }

        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        public Builder filesystem(Filesystem filesystem) {
            this.filesystem = filesystem;
            return this;
        }

        /** The launch; fails when fewer than three descriptors were given. */
        public Launch build() {
            return new Launch(path, argv, env, cwd, credential, isolation, title, descriptors, resources,
                filesystem);
        }
    }
}
