package io.corral.api.process;

import java.nio.file.Path;

/**
 * Where a process's standard streams go. A {@code null} input reads from
 * {@code /dev/null}; a {@code null} output or error goes to the process's log
 * file under the instance's log directory.
 */
public record Stdio(Path input, Path output, Path error) {

    /** Input from /dev/null; output and error to the process's log file. */
    public static final Stdio LOG = new Stdio(null, null, null);
}
