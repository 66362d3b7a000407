package io.corral.api.isolation;

import io.corral.api.credential.Credential;
import java.util.List;

/**
 * Everything a provider needs to create one process, resolved and validated.
 *
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
 * @param resources   limits and cgroup (since 2.0)
 * @param filesystem  root file system and mounts (since 2.0)
 */
public record Launch(String path, List<String> argv, List<String> env, String cwd, Credential credential,
        IsolationRequest isolation, String title, int[] descriptors, Resources resources,
        Filesystem filesystem) {

    /** In {@link #descriptors()} at 0, 1 or 2: a pipe the provider makes (since 3.0). */
    public static final int PIPE = -2;
    /** In {@link #descriptors()} at 2: the child's fd 1 again, whatever it is (since 3.0). */
    public static final int SAME_AS_OUTPUT = -3;

    public Launch {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        descriptors = descriptors.clone();
        resources = resources == null ? Resources.NONE : resources;
        filesystem = filesystem == null ? Filesystem.NONE : filesystem;
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
    }

    @Override
    public int[] descriptors() {
        return descriptors.clone();
    }
}
