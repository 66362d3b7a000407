package io.corral.app.internal;

import io.corral.api.isolation.Namespace;
import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.app.internal.config.AppConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An application's processes as the process factory takes them. */
final class Specs {

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Unit's default user (its --user option's default). */
    static final String DEFAULT_USER = "nobody";

    private Specs() {
    }

    /**
     * @param privileged whether Corral may change ids (root, or CAP_SETUID and CAP_SETGID)
     */
    static SpawnSpec of(AppConfig app, Path log, boolean privileged) {
        // A small, predictable environment: PATH, then the application's own variables.
        Map<String, String> env = new LinkedHashMap<>();
        String path = System.getenv("PATH");
        env.put("PATH", path != null && !path.isEmpty() ? path : DEFAULT_PATH);
        env.putAll(app.environment());
        return SpawnSpec.builder(inWorkingDirectory(app, app.executable())).name(app.name()).type(app.role()).arguments(app.arguments())
            .environment(env).workingDirectory(app.workingDirectory())
            .user(app.user() != null ? app.user() : defaultUser(app, privileged)).group(app.group())
            .isolation(app.isolation()).resources(app.resources()).filesystem(app.filesystem())
            .stdio(Stdio.files(null, output(app, app.stdout(), log), output(app, app.stderr(), log))).build();
    }

    /** A {@code "stdout"} or {@code "stderr"} file, appended to; without one the stream goes to the log. */
    private static Path output(AppConfig app, String path, Path log) {
        return path == null ? log : Path.of(inWorkingDirectory(app, path));
    }

    /**
     * A relative path as Unit's application process sees it: it changes to
     * {@code "working_directory"} (or stays in Unit's own), then opens
     * {@code "stdout"} and {@code "stderr"} and calls execve(2), which
     * searches no PATH. So a relative path is one in that directory.
     */
    static String inWorkingDirectory(AppConfig app, String path) {
        if (path.isEmpty() || path.startsWith("/")) {
            return path;
        }
        String base = app.workingDirectory() != null ? app.workingDirectory()
            : Path.of("").toAbsolutePath().toString();
        return base.endsWith("/") ? base + path : base + "/" + path;
    }

    /**
     * The user when the application names none, as Unit 1.14+ decides it:
     * nobody when Corral may change ids; nobody inside a credential namespace
     * too, where an unprivileged Corral maps it to its own uid; otherwise
     * null, Corral's own ids.
     */
    static String defaultUser(AppConfig app, boolean privileged) {
        return privileged || app.isolation().has(Namespace.CREDENTIAL) ? DEFAULT_USER : null;
    }
}
