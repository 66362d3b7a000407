package io.corral.api.app;

/**
 * A configuration document was refused; nothing changed. The message is
 * NGINX Unit's wording where Unit has one, after the location of the
 * offending value, e.g. {@code applications/web/processes: The "processes"
 * number must be equal to or greater than 1 (got 0).}
 */
public class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param path    where in the document, e.g. {@code applications/web/processes}; empty for the whole document
     * @param message the rule that was broken
     */
    public ConfigurationException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    /** Where in the document the error is, e.g. {@code applications/web/processes}; empty for the whole document. */
    public String path() {
        return path;
    }
}
