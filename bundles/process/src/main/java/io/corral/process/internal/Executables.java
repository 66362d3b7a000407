package io.corral.process.internal;

import io.corral.api.process.SpawnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Finds the program to run, as execvp would, and says clearly why one cannot run. */
final class Executables {

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Executables() {
    }

    /** An absolute path to an executable regular file, or a SpawnException naming the value and the rule. */
    static String resolve(String executable, Map<String, String> environment) throws SpawnException {
        if (executable.isEmpty()) {
            throw invalid("executable \"\": must not be empty");
        }
        if (executable.indexOf('\0') >= 0) {
            throw invalid("executable \"" + executable.replace("\0", "\\0") + "\": must not contain NUL");
        }
        if (executable.contains("/")) {
            Path p = Path.of(executable).toAbsolutePath();
            check(executable, p);
            return p.toString();
        }
        String path = environment.getOrDefault("PATH", DEFAULT_PATH);
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, executable);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        throw invalid("executable \"" + executable + "\": not found in PATH \"" + path + "\"");
    }

    /** One stat(2) for the common case; the slower checks only to explain a refusal. */
    private static void check(String given, Path p) throws SpawnException {
        java.nio.file.attribute.PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
        } catch (java.io.IOException e) {
            throw invalid("executable \"" + given + "\": no such file");
        }
        if (!a.isRegularFile()) {
            throw invalid("executable \"" + given + "\": not a regular file");
        }
        var perms = a.permissions();
        boolean anyExecute = perms.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)
            || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)
            || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        if (!anyExecute || !Files.isExecutable(p)) {
            throw invalid("executable \"" + given + "\": not executable (no execute permission)");
        }
    }

    /** The working directory must exist before anything is created. */
    static void checkDirectory(String dir) throws SpawnException {
        if (dir == null) {
            return;
        }
        Path p = Path.of(dir);
        if (!p.isAbsolute()) {
            throw invalid("working_directory \"" + dir + "\": must be an absolute path");
        }
        if (!Files.isDirectory(p)) {
            throw invalid("working_directory \"" + dir + "\": no such directory");
        }
    }

    private static SpawnException invalid(String message) {
        return new SpawnException("validate", message);
    }
}
