package io.corral.api.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs the applications of the instance's configuration document.
 *
 * <p>Guarantees: a document is validated whole (syntax, NGINX Unit's rules,
 * and every check a spawn would make: user, group, executable, isolation)
 * before anything changes, so a bad one is refused and the running set is
 * untouched; a process that exits unasked is respawned, with exponential
 * back-off while it keeps failing; stopping asks processes to quit, then
 * sends SIGTERM, then SIGKILL after a grace period.
 *
 * <p>Methods that name an application throw {@link IllegalArgumentException}
 * when there is none by that name, and {@link IllegalStateException} when
 * the request does not fit its pool; both messages are meant for an operator.
 */
@ProviderType
public interface ApplicationManager {

    /** Every application of the running document, in the document's order. */
    List<ApplicationStatus> applications();

    Optional<ApplicationStatus> application(String name);

    /** Starts a stopped application (and gives a crash-looping one a fresh try at once). */
    void start(String name);

    /** Asks every process of the application to quit and keeps none running until {@link #start}. */
    void stop(String name);

    /** Replaces every process: new ones are started, the old ones asked to quit. */
    void restart(String name);

    /**
     * Keeps {@code processes} processes running until the application's
     * configuration changes. For {@code "processes": N} any value of at least
     * 1; for {@code {"spare", "max"}} a value from spare to max.
     */
    void scale(String name, int processes);

    /**
     * Reads the configuration file again and applies it; refused whole when
     * anything in it is wrong, and when there is no file (emptying the
     * instance takes an explicit empty document).
     */
    Reloaded reload() throws ConfigurationException;

    /**
     * Applies a whole new document and writes it to the configuration file,
     * as an edit of the file followed by {@link #reload()} would: the same
     * validation, refused whole when anything in it is wrong (nothing
     * changes, the file included). Once valid, the file is replaced
     * atomically (written aside, then renamed over it) before the running set
     * changes, so the file, ConfigAdmin and the running applications never
     * disagree. Comments of the old file are not kept.
     *
     * @param document the whole document as JSON text, e.g. {@code {"applications": {...}}}
     * @throws ConfigurationException when the document is refused; its message names the value and the rule
     * @throws IllegalStateException when the file cannot be written; nothing changed
     * @since 2.0
     */
    Reloaded apply(String document) throws ConfigurationException;

    /** The document that runs now, as pretty-printed JSON. */
    String configuration();

    /** The configuration file, {@code etc/corral.json} under the instance's base. */
    Path configurationFile();

    /**
     * A router asks for one more worker of {@code application} (the port
     * protocol's START_WORKER). Granted when the requester is a live process
     * of an application with {@code "role": "router"} and the pool has room
     * under its {@code "max"}; the new worker is asked to quit again after
     * {@code "idle_timeout"} seconds idle, down to {@code "spare"}.
     *
     * @return true when a worker is being started, false when the pool is at its maximum or of fixed size
     * @throws IllegalArgumentException when the requester is not a router or there is no such application
     */
    boolean requestWorker(int routerPid, String application);
}
