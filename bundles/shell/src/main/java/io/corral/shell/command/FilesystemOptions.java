package io.corral.shell.command;

import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Filesystem.Mount;
import io.corral.api.isolation.Namespace;
import java.util.Set;

/**
 * {@code corral:spawn}'s file system: {@code --rootfs}, {@code --bind},
 * {@code --ro-bind}, {@code --tmpfs}, {@code --proc}, {@code --dev} and
 * {@code --ro-root}, into one {@link Filesystem}, mounts in the order given.
 * Each value is checked here, so that a mistake names the option as the
 * operator typed it and nothing is spawned.
 */
final class FilesystemOptions {

    private final Args args;
    private final Filesystem.Builder filesystem = Filesystem.builder();
    /** The first of these options, as typed: named when the mount namespace is missing. */
    private String first;

    FilesystemOptions(Args args) {
        this.args = args;
    }

    /** Reads the option's value if it is one of these options; false when it is not. */
    boolean take(String option) {
        String value = null;
        switch (option) {
            case "--rootfs" -> {
                value = args.value(option, "a directory");
                filesystem.rootfs(rootfs(option, value));
            }
            case "--bind", "--ro-bind" -> {
                value = args.value(option, "SRC[:DST]");
                filesystem.mount(bind(option, value));
            }
            case "--tmpfs", "--proc", "--dev" -> {
                value = args.value(option, "a destination, e.g. /tmp");
                filesystem.mount(mount(option, value));
            }
            case "--ro-root" -> filesystem.readOnlyRoot(true);
            default -> {
                return false;
            }
        }
        if (first == null) {
            first = value == null ? option : option + " \"" + value + "\"";
        }
        return true;
    }

    /** The file system asked for; mounts are made in the process's own mount namespace, never in the host's. */
    Filesystem build(Set<Namespace> namespaces) {
        Filesystem fs = filesystem.build();
        if (!fs.isDefault() && !namespaces.contains(Namespace.MOUNT)) {
            throw args.error(first + ": needs the mount namespace (--ns mount)");
        }
        return fs;
    }

    /** Unit's rule for isolation.rootfs; a trailing slash is dropped, as Unit does. */
    private String rootfs(String option, String value) {
        String trimmed = value.replaceAll("/+$", "");
        if (!value.startsWith("/") || trimmed.isEmpty()) {
            throw bad(option, value, "must be an absolute path other than \"/\"");
        }
        return trimmed;
    }

    /** {@code SRC[:DST]}, DST being SRC when absent, as bubblewrap's --bind SRC SRC. */
    private Mount bind(String option, String value) {
        int colon = value.indexOf(':');
        String source = colon < 0 ? value : value.substring(0, colon);
        String destination = colon < 0 ? value : value.substring(colon + 1);
        if (!source.startsWith("/")) {
            throw bad(option, value, "the source must be an absolute path");
        }
        check(option, value, destination);
        return Mount.bind(source, destination, option.equals("--ro-bind"));
    }

    /** A tmpfs, proc or /dev at the destination. */
    private Mount mount(String option, String destination) {
        check(option, destination, destination);
        return switch (option) {
            case "--tmpfs" -> Mount.tmpfs(destination);
            case "--proc" -> Mount.proc(destination);
            default -> Mount.dev(destination);
        };
    }

    /** Inside the new root: a ".." could lead a mount out of it. */
    private void check(String option, String value, String destination) {
        if (!destination.startsWith("/")) {
            throw bad(option, value, "the destination must be an absolute path");
        }
        if (("/" + destination + "/").contains("/../")) {
            throw bad(option, value, "the destination must not have a \"..\" component");
        }
    }

    private IllegalArgumentException bad(String option, String value, String rule) {
        return args.error(option + " \"" + value + "\": " + rule);
    }
}
