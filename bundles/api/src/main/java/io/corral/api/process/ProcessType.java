package io.corral.api.process;

/**
 * The role of a process, as in NGINX Unit. The type selects the rows of the
 * connection and remove-notify matrices that apply to the process.
 */
public enum ProcessType {
    /** The container itself: the Felix JVM. */
    MAIN,
    DISCOVERY,
    CONTROLLER,
    ROUTER,
    WORKER;

    /** Parses a type name case-insensitively; the error names the value and the choices. */
    public static ProcessType parse(String name) {
        for (ProcessType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown process type \"" + name
            + "\": expected one of main, discovery, controller, router, worker");
    }
}
