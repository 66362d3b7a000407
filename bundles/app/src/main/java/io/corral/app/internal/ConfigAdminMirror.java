package io.corral.app.internal;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.corral.api.app.ConfigurationException;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.config.JsonText;
import java.io.IOException;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Set;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Applications in ConfigAdmin: one factory configuration per application,
 * factory pid {@value #FACTORY_PID}, name = the application's name (pid
 * {@code io.corral.app~NAME}). Property {@value #JSON} holds the
 * application's object as JSON and is what counts; {@code name}, {@code type},
 * {@code role} and {@code executable} are copies for LDAP filters, rewritten
 * from {@code json} on every publish. The file is the source: this mirror is
 * rewritten after every applied document.
 */
final class ConfigAdminMirror {

    static final String FACTORY_PID = "io.corral.app";
    static final String JSON = "json";
    /** Where others may bind: any bundle may read and update. */
    private static final String ANY_LOCATION = "?";

    private ConfigAdminMirror() {
    }

    /**
     * Writes every application of {@code doc} and deletes the configurations
     * of applications that left it: those in {@code published} (what this
     * mirror wrote before, updated here), or with {@code sweep} every one the
     * document lacks (at start, when the file is the only source). Never a
     * configuration another bundle has just created and whose event has not
     * been handled yet: that event decides whether it is applied or undone.
     */
    static void publish(ConfigurationAdmin ca, Document doc, Set<String> published, boolean sweep,
            OwnDeletions own) throws IOException, InvalidSyntaxException {
        Set<String> names = new HashSet<>();
        for (AppConfig app : doc.applications().values()) {
            names.add(app.name());
            Configuration c = ca.getFactoryConfiguration(FACTORY_PID, app.name(), ANY_LOCATION);
            c.updateIfDifferent(properties(app));
        }
        Configuration[] all = ca.listConfigurations("(service.factoryPid=" + FACTORY_PID + ")");
        if (all != null) {
            for (Configuration c : all) {
                String name = name(c.getPid());
                if (name != null && !names.contains(name) && (sweep || published.contains(name))) {
                    own.delete(c);
                }
            }
        }
        published.clear();
        published.addAll(names);
    }

    /** Deletes the configuration {@code pid}: a new application's that was refused. */
    static void delete(ConfigurationAdmin ca, String pid, OwnDeletions own) throws IOException,
            InvalidSyntaxException {
        Configuration[] found = ca.listConfigurations("(service.pid=" + pid + ")");
        if (found != null) {
            for (Configuration c : found) {
                own.delete(c);
            }
        }
    }

    /**
     * The deletions the mirror made whose events have not come back yet.
     * ConfigAdmin delivers each one later, on its own thread, when the
     * application may be back in the file: such an event is the mirror's
     * own and changes nothing; any other deletion is an operator's.
     */
    static final class OwnDeletions {
        private final java.util.Map<String, Integer> pending = new java.util.concurrent.ConcurrentHashMap<>();

        void delete(Configuration c) throws IOException {
            String pid = c.getPid();
            pending.merge(pid, 1, Integer::sum);
            try {
                c.delete();
            } catch (IOException | RuntimeException e) {
                comingBack(pid); // no event will come
                throw e;
            }
        }

        /** Whether a deletion event for {@code pid} is one of ours (then counted as come back). */
        boolean comingBack(String pid) {
            boolean[] ours = {false};
            pending.computeIfPresent(pid, (k, n) -> {
                ours[0] = true;
                return n > 1 ? n - 1 : null;
            });
            return ours[0];
        }
    }

    static Dictionary<String, Object> properties(AppConfig app) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("name", app.name());
        p.put(JSON, new Gson().toJson(app.json()));
        p.put("type", "external");
        p.put("role", app.role().name().toLowerCase(java.util.Locale.ROOT));
        p.put("executable", app.executable());
        return p;
    }

    /** The application's name in a pid of the factory, or null when the pid is not one of ours. */
    static String name(String pid) {
        String prefix = FACTORY_PID + "~";
        return pid != null && pid.startsWith(prefix) ? pid.substring(prefix.length()) : null;
    }

    /** The {@value #JSON} property of a configuration, null when it has none, empty when there is no configuration. */
    static java.util.Optional<String> json(ConfigurationAdmin ca, String pid) throws IOException,
            InvalidSyntaxException {
        Configuration[] found = ca.listConfigurations("(service.pid=" + pid + ")");
        if (found == null || found.length == 0 || found[0].getProperties() == null) {
            return java.util.Optional.empty();
        }
        Object json = found[0].getProperties().get(JSON);
        return java.util.Optional.of(json == null ? "" : json.toString());
    }

    /**
     * The document that results from an edit of application {@code name} in
     * ConfigAdmin: its new JSON, or none when its configuration was deleted.
     * Empty when the edit changes nothing (our own write coming back).
     */
    static java.util.Optional<JsonObject> edited(Document current, String name, java.util.Optional<String> json)
            throws ConfigurationException {
        AppConfig running = current.applications().get(name);
        JsonObject root = current.json();
        JsonObject apps = root.getAsJsonObject("applications");
        if (json.isEmpty()) {
            if (running == null) {
                return java.util.Optional.empty();
            }
            apps.remove(name);
            return java.util.Optional.of(root);
        }
        JsonElement app = JsonText.parse(json.get().isEmpty() ? "null" : json.get());
        if (running != null && app.equals(running.json())) {
            return java.util.Optional.empty();
        }
        apps.add(name, app);
        return java.util.Optional.of(root);
    }
}
