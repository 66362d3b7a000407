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

    /**
     * stat(2) and access(2) for the common case; the slower checks only to
     * explain a refusal. access(X_OK) is exact for root too: it grants a
     * regular file only if some execute bit is set.
     */
    private static void check(String given, Path p) throws SpawnException {
        if (Files.isRegularFile(p)) {
            if (Files.isExecutable(p)) {
                return;
            }
            throw invalid("executable \"" + given + "\": not executable (no execute permission)");
        }
        throw invalid("executable \"" + given + "\": " + (Files.exists(p) ? "not a regular file" : "no such file"));
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
