package io.corral.app.internal.config;

import static io.corral.app.internal.config.DocumentValidator.bool;
import static io.corral.app.internal.config.DocumentValidator.type;
import static io.corral.app.internal.config.DocumentValidator.unknown;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.Namespace;
import io.corral.app.internal.config.DocumentValidator.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The file-system members of an application's {@code "isolation"}: Unit's
 * {@code "rootfs"} and {@code "automount"}, Corral's {@code "mounts"} and
 * {@code "read_only_root"}, collected member by member and built into one
 * {@link Filesystem}. Unit's sentences where Unit has them; Corral's in
 * DocumentValidator's style: the field, the rule, then the value.
 */
final class FilesystemValidator {

    private static final Set<String> AUTOMOUNT_MEMBERS = Set.of("language_deps", "tmpfs", "procfs");
    private static final Set<String> MOUNT_MEMBERS = Set.of("type", "source", "destination", "read_only");
    private static final String MOUNT_TYPES = "\"bind\", \"tmpfs\", \"proc\" or \"dev\"";

    private String rootfs;
    // Unit's automount: each on unless set false, and only with a rootfs (nxt_isolation_set_automount).
    private boolean procfs = true;
    private boolean tmpfs = true;
    private boolean languageDeps = true;
    private final List<Filesystem.Mount> mounts = new ArrayList<>();
    private boolean readOnlyRoot;

    /** Reads the member if it is one of these; false when it is not. */
    boolean take(String at, String key, JsonElement v) throws ConfigurationException {
        switch (key) {
            case "rootfs" -> rootfs = rootfs(at, v);
            case "automount" -> automount(at, v);
            case "mounts" -> mounts(at, v);
            case "read_only_root" -> readOnlyRoot = bool(at, key, v);
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Every mount is made in the process's own mount namespace, never in the
     * host's; refused in Unit's words for a map without its namespace.
     *
     * @param at the {@code "isolation"} object's place, e.g. {@code applications/web/isolation}
     */
    void requireMountNamespace(String at, Set<Namespace> namespaces) throws ConfigurationException {
        if (namespaces.contains(Namespace.MOUNT)) {
            return;
        }
        String asked = rootfs != null ? "rootfs" : !mounts.isEmpty() ? "mounts" : readOnlyRoot ? "read_only_root"
            : null;
        if (asked != null) {
            throw new ConfigurationException(at, "\"" + asked + "\" is set but \"isolation.namespaces.mount\" is false"
                + " or unset.");
        }
    }

    /** Unit's automount changes nothing without a rootfs; a private /tmp without one is a tmpfs mount. */
    Filesystem build() {
        Filesystem.Builder b = Filesystem.builder().readOnlyRoot(readOnlyRoot);
        if (rootfs != null) {
            b.rootfs(rootfs).procfs(procfs).tmpfs(tmpfs).languageDeps(languageDeps);
        }
        mounts.forEach(b::mount);
        return b.build();
    }

    /** Unit's rule and sentence (nxt_isolation_set_rootfs); its trailing slash is dropped, as Unit does. */
    private static String rootfs(String at, JsonElement v) throws ConfigurationException {
        String path = path(at, "rootfs", v);
        String trimmed = path.replaceAll("/+$", "");
        // "//" passes Unit's check and then means "/": refused here with the same sentence.
        if (!path.startsWith("/") || trimmed.isEmpty()) {
            throw new ConfigurationException(at, "rootfs requires an absolute path other than \"/\" but given \""
                + path + "\".");
        }
        return trimmed;
    }

    private void automount(String at, JsonElement v) throws ConfigurationException {
        type(at, "automount", v, Kind.OBJECT);
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String key = m.getKey();
            if (!AUTOMOUNT_MEMBERS.contains(key)) {
                throw new ConfigurationException(at, unknown(key));
            }
            boolean on = bool(at + "/" + key, key, m.getValue());
            switch (key) {
                case "procfs" -> procfs = on;
                case "tmpfs" -> tmpfs = on;
                default -> languageDeps = on;
            }
        }
    }

    private void mounts(String at, JsonElement v) throws ConfigurationException {
        type(at, "mounts", v, Kind.ARRAY);
        JsonArray array = v.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            if (Kind.of(e) != Kind.OBJECT) {
                throw new ConfigurationException(at + "/" + i, "The \"mounts\" array must contain only object"
                    + " values.");
            }
            mounts.add(mount(at + "/" + i, e));
        }
    }

    /** {@code {"type": "bind", "source": "/usr", "destination": "/usr", "read_only": true}}. */
    private static Filesystem.Mount mount(String at, JsonElement v) throws ConfigurationException {
        String type = null;
        String source = null;
        String destination = null;
        Boolean readOnly = null;
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String key = m.getKey();
            String here = at + "/" + key;
            switch (key) {
                case "type" -> type = mountType(here, m.getValue());
                case "source" -> source = absolute(here, key, m.getValue());
                case "destination" -> destination = destination(here, m.getValue());
                case "read_only" -> readOnly = bool(here, key, m.getValue());
                default -> throw new ConfigurationException(at, unknown(key));
            }
        }
        for (String required : List.of("type", "destination")) {
            if (!v.getAsJsonObject().has(required)) {
                throw new ConfigurationException(at, "The mount requires the \"" + required + "\" field set.");
            }
        }
        boolean bind = type.equals("bind");
        if (bind && source == null) {
            throw new ConfigurationException(at, "The \"bind\" mount requires the \"source\" field set.");
        }
        if (!bind && source != null) {
            throw new ConfigurationException(at + "/source", "A \"" + type + "\" mount takes no \"source\" field;"
                + " only a \"bind\" mount has one.");
        }
        if (!bind && readOnly != null) {
            throw new ConfigurationException(at + "/read_only", "A \"" + type + "\" mount takes no \"read_only\""
                + " field; only a \"bind\" mount has one.");
        }
        return switch (type) {
            case "bind" -> Filesystem.Mount.bind(source, destination, readOnly != null && readOnly);
            case "tmpfs" -> Filesystem.Mount.tmpfs(destination);
            case "proc" -> Filesystem.Mount.proc(destination);
            default -> Filesystem.Mount.dev(destination);
        };
    }

    private static String mountType(String at, JsonElement v) throws ConfigurationException {
        type(at, "type", v, Kind.STRING);
        String type = v.getAsString();
        if (!List.of("bind", "tmpfs", "proc", "dev").contains(type)) {
            throw new ConfigurationException(at, "The \"type\" value must be " + MOUNT_TYPES + ", but not \"" + type
                + "\".");
        }
        return type;
    }

    /** Inside the new root: a ".." could lead a mount out of it. */
    private static String destination(String at, JsonElement v) throws ConfigurationException {
        String path = absolute(at, "destination", v);
        if (("/" + path + "/").contains("/../")) {
            throw new ConfigurationException(at, "The \"destination\" value must not contain a \"..\" component."
                + " Got \"" + path + "\".");
        }
        return path;
    }

    private static String absolute(String at, String name, JsonElement v) throws ConfigurationException {
        String path = path(at, name, v);
        if (!path.startsWith("/")) {
            throw new ConfigurationException(at, "The \"" + name + "\" value must be an absolute path. Got \"" + path
                + "\".");
        }
        return path;
    }

    /** A string that a C path can hold. */
    private static String path(String at, String name, JsonElement v) throws ConfigurationException {
        type(at, name, v, Kind.STRING);
        String path = v.getAsString();
        if (path.indexOf('\0') >= 0) {
            throw new ConfigurationException(at, "The \"" + name + "\" value must not contain null character.");
        }
        return path;
    }
}
