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
 *                    the provider does not close them
 * @param resources   limits and cgroup (since 2.0)
 * @param filesystem  root file system and mounts (since 2.0)
 */
public record Launch(String path, List<String> argv, List<String> env, String cwd, Credential credential,
        IsolationRequest isolation, String title, int[] descriptors, Resources resources,
        Filesystem filesystem) {

    public Launch {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        descriptors = descriptors.clone();
        resources = resources == null ? Resources.NONE : resources;
        filesystem = filesystem == null ? Filesystem.NONE : filesystem;
        if (descriptors.length < 3) {
            throw new IllegalArgumentException("a launch needs at least stdin, stdout and stderr");
        }
    }

    @Override
    public int[] descriptors() {
        return descriptors.clone();
    }
}
