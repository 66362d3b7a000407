package io.corral.control.internal;

import com.google.gson.JsonObject;

/**
 * A refused request, answered in NGINX Unit's shape: the status, the
 * {@code "error"} title (Unit's own texts), an optional {@code "detail"} and,
 * for a body that is no JSON, its {@code "location"}.
 */
final class ControlError extends Exception {
    private static final long serialVersionUID = 1L;

    static final String NOT_FOUND = "Value doesn't exist.";
    static final String NOT_ALLOWED = "Method isn't allowed.";
    static final String INVALID_METHOD = "Invalid method.";
    static final String INVALID_PATH = "Invalid path.";
    static final String INVALID_JSON = "Invalid JSON.";
    static final String INVALID_CONFIGURATION = "Invalid configuration.";
    static final String FAILED_TO_APPLY = "Failed to apply new configuration.";
    static final String FAILED_TO_RESTART = "Failed to restart app.";

    private final int status;
    private final String detail;
    private final JsonObject location;

    ControlError(int status, String title) {
        this(status, title, null, null);
    }

    ControlError(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    ControlError(int status, String title, String detail, JsonObject location) {
        super(title);
        this.status = status;
        this.detail = detail;
        this.location = location;
    }

    static ControlError notFound() {
        return new ControlError(404, NOT_FOUND);
    }

    int status() {
        return status;
    }

    /** {@code {"error": TITLE, "detail": ..., "location": {...}}}, as Unit writes it. */
    JsonObject body() {
        JsonObject o = new JsonObject();
        o.addProperty("error", getMessage());
        if (detail != null && !detail.isEmpty()) {
            o.addProperty("detail", detail);
        }
        if (location != null) {
            o.add("location", location);
        }
        return o;
    }
}
