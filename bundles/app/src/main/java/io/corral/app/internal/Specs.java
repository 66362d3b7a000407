package io.corral.app.internal;

import io.corral.api.process.SpawnSpec;
import io.corral.api.process.Stdio;
import io.corral.app.internal.config.AppConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An application's processes as the process factory takes them. */
final class Specs {

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Unit's default user when it runs privileged (its --user option's default). */
    static final String PRIVILEGED_DEFAULT_USER = "nobody";

    private Specs() {
    }

    /**
     * @param defaultUser the user when the application names none: Unit's
     *                    "nobody" when Corral may change ids, else null (Corral's own)
     */
    static SpawnSpec of(AppConfig app, Path log, String defaultUser) {
        // A small, predictable environment: PATH, then the application's own variables.
        Map<String, String> env = new LinkedHashMap<>();
        String path = System.getenv("PATH");
        env.put("PATH", path != null && !path.isEmpty() ? path : DEFAULT_PATH);
        env.putAll(app.environment());
        return SpawnSpec.builder(app.executable()).name(app.name()).type(app.role()).arguments(app.arguments())
            .environment(env).workingDirectory(app.workingDirectory())
            .user(app.user() != null ? app.user() : defaultUser).group(app.group())
            .isolation(app.isolation()).stdio(new Stdio(null, log, log)).build();
    }
}
