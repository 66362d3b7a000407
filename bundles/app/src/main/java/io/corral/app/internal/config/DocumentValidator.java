package io.corral.app.internal.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ProcessType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * NGINX Unit's validation of {@code "applications"} (nxt_conf_validation.c)
 * for external applications, plus Corral's {@code "role"},
 * {@code "resources"} (see {@link ResourcesValidator}) and file-system
 * isolation (see {@link FilesystemValidator}). Messages are
 * Unit's sentences, after the location of the value; where Unit's sentence
 * does not show the value, it follows as {@code Got VALUE.}
 */
public final class DocumentValidator {

    static final long INT32_MAX = Integer.MAX_VALUE;
    static final long ID_MAX = 4294967295L;
    private static final Set<String> APP_MEMBERS = Set.of("type", "role", "executable", "arguments", "processes",
        "user", "group", "working_directory", "environment", "isolation", "resources", "stdout", "stderr");
    private static final List<ProcessType> ROLES = List.of(ProcessType.ROUTER, ProcessType.WORKER,
        ProcessType.CONTROLLER, ProcessType.DISCOVERY);

    /** JSON value types in Unit's order, with Unit's names. */
    enum Kind {
        NULL("a null"), BOOLEAN("a boolean"), INTEGER("an integer number"), NUMBER("a fractional number"),
        STRING("a string"), ARRAY("an array"), OBJECT("an object");

        final String text;

        Kind(String text) {
            this.text = text;
        }

        static Kind of(JsonElement e) {
            if (e.isJsonObject()) {
                return OBJECT;
            }
            if (e.isJsonArray()) {
                return ARRAY;
            }
            if (e.isJsonNull()) {
                return NULL;
            }
            JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isBoolean()) {
                return BOOLEAN;
            }
            if (p.isString()) {
                return STRING;
            }
            return p.getAsNumber() instanceof BigInteger ? INTEGER : NUMBER;
        }
    }

    private DocumentValidator() {
    }

    /** Parses and validates a whole document; the first error found is thrown. */
    public static Document validate(String text) throws ConfigurationException {
        return validate(JsonText.parse(text));
    }

    /** The same for the file's bytes, which must be UTF-8. */
    public static Document validate(byte[] utf8) throws ConfigurationException {
        return validate(JsonText.parse(utf8));
    }

    public static Document validate(JsonElement root) throws ConfigurationException {
        if (Kind.of(root) != Kind.OBJECT) {
            throw new ConfigurationException("", "The configuration must be an object, but not "
                + Kind.of(root).text + ".");
        }
        Map<String, AppConfig> apps = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : root.getAsJsonObject().entrySet()) {
            if (!m.getKey().equals("applications")) {
                throw new ConfigurationException("", unknown(m.getKey()));
            }
            type("applications", "applications", m.getValue(), Kind.OBJECT);
            for (Map.Entry<String, JsonElement> app : m.getValue().getAsJsonObject().entrySet()) {
                apps.put(app.getKey(), application(app.getKey(), app.getValue()));
            }
        }
        JsonObject json = root.getAsJsonObject().deepCopy();
        if (!json.has("applications")) {
            json.add("applications", new JsonObject());
        }
        return new Document(apps, json);
    }

    /** One application, e.g. the value of {@code "applications": {"web": {...}}}. */
    public static AppConfig application(String name, JsonElement value) throws ConfigurationException {
        String path = "applications/" + name;
        checkName(name);
        type(path, name, value, Kind.OBJECT);
        JsonObject o = value.getAsJsonObject();
        JsonElement type = o.get("type");
        if (type == null) {
            throw new ConfigurationException(path, "Application must have the \"type\" property set.");
        }
        type(path + "/type", "type", type, Kind.STRING);
        if (!type.getAsString().equals("external")) {
            throw new ConfigurationException(path + "/type", "The module to run \"" + type.getAsString()
                + "\" is not found among the available application modules. Corral runs \"external\" applications.");
        }
        ProcessType role = ProcessType.WORKER;
        String executable = null;
        List<String> arguments = List.of();
        Processes processes = Processes.fixed(1);
        String user = null;
        String group = null;
        String workingDirectory = null;
        String stdout = null;
        String stderr = null;
        Map<String, String> environment = Map.of();
        Isolation isolation = Isolation.NONE;
        Resources resources = Resources.NONE;
        // Unit checks required members before it looks at any member (nxt_conf_vldt_object).
        if (!o.has("executable")) {
            throw new ConfigurationException(path, "Required parameter \"executable\" is missing.");
        }
        for (Map.Entry<String, JsonElement> m : o.entrySet()) {
            String key = m.getKey();
            JsonElement v = m.getValue();
            String at = path + "/" + key;
            if (!APP_MEMBERS.contains(key)) {
                throw new ConfigurationException(path, unknown(key));
            }
            switch (key) {
                case "type" -> { }
                case "role" -> role = role(at, v);
                case "executable" -> executable = string(at, key, v);
                case "arguments" -> arguments = arguments(at, v);
                case "processes" -> processes = processes(at, v);
                case "user" -> user = string(at, key, v);
                case "group" -> group = string(at, key, v);
                case "working_directory" -> workingDirectory = string(at, key, v);
                case "environment" -> environment = environment(at, v);
                case "stdout" -> stdout = outputPath(at, key, v);
                case "stderr" -> stderr = outputPath(at, key, v);
                case "isolation" -> isolation = isolation(at, v);
                case "resources" -> resources = ResourcesValidator.resources(at, v);
                default -> throw new IllegalStateException(key);
            }
        }
        if (isolation.cgroupPath() != null) {
            resources = resources.toBuilder().cgroupPath(isolation.cgroupPath()).build();
        }
        return new AppConfig(name, role, executable, arguments, user, group, workingDirectory, stdout, stderr,
            environment, processes, isolation.request(), resources, isolation.filesystem(), o);
    }

    /** Names become file names (log/NAME.log) and ConfigAdmin names, so they are kept plain. */
    static void checkName(String name) throws ConfigurationException {
        if (name.isEmpty() || name.length() > 64 || name.startsWith(".") || !name.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigurationException("applications", "The application name \"" + name + "\" is invalid:"
                + " a name is 1 to 64 letters, digits, \".\", \"_\" or \"-\", and does not start with \".\".");
        }
    }

    private static ProcessType role(String at, JsonElement v) throws ConfigurationException {
        String s = string(at, "role", v);
        for (ProcessType t : ROLES) {
            if (t.name().equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new ConfigurationException(at, "The \"role\" value must be \"router\", \"worker\", \"controller\""
            + " or \"discovery\", but not \"" + s + "\".");
    }

    private static List<String> arguments(String at, JsonElement v) throws ConfigurationException {
        type(at, "arguments", v, Kind.ARRAY);
        List<String> args = new ArrayList<>();
        for (JsonElement e : v.getAsJsonArray()) {
            if (Kind.of(e) != Kind.STRING) {
                throw new ConfigurationException(at, "The \"arguments\" array must contain only string values.");
            }
            if (e.getAsString().indexOf('\0') >= 0) {
                throw new ConfigurationException(at, "The \"arguments\" array must not contain strings with null"
                    + " character.");
            }
            args.add(e.getAsString());
        }
        return args;
    }

    private static Map<String, String> environment(String at, JsonElement v) throws ConfigurationException {
        type(at, "environment", v, Kind.OBJECT);
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String name = m.getKey();
            if (name.isEmpty()) {
                throw new ConfigurationException(at, "The environment name must not be empty.");
            }
            if (name.indexOf('\0') >= 0) {
                throw new ConfigurationException(at, "The environment name must not contain null character.");
            }
            if (name.indexOf('=') >= 0) {
                throw new ConfigurationException(at, "The environment name must not contain '=' character."
                    + " Got \"" + name + "\".");
            }
            if (Kind.of(m.getValue()) != Kind.STRING) {
                throw new ConfigurationException(at, "The \"" + name + "\" environment value must be a string.");
            }
            if (m.getValue().getAsString().indexOf('\0') >= 0) {
                throw new ConfigurationException(at, "The \"" + name + "\" environment value must not contain null"
                    + " character.");
            }
            env.put(name, m.getValue().getAsString());
        }
        return env;
    }

    static Processes processes(String at, JsonElement v) throws ConfigurationException {
        type(at, "processes", v, Kind.INTEGER, Kind.OBJECT);
        if (Kind.of(v) == Kind.INTEGER) {
            BigInteger n = v.getAsBigInteger();
            if (n.compareTo(BigInteger.ONE) < 0) {
                throw new ConfigurationException(at, "The \"processes\" number must be equal to or greater than 1."
                    + got(n));
            }
            if (n.compareTo(BigInteger.valueOf(INT32_MAX)) > 0) {
                throw new ConfigurationException(at, "The \"processes\" number must not exceed " + INT32_MAX + "."
                    + got(n));
            }
            return Processes.fixed(n.intValue());
        }
        BigInteger spare = BigInteger.valueOf(Processes.DEFAULT_SPARE);
        BigInteger max = BigInteger.valueOf(Processes.DEFAULT_MAX);
        BigInteger idle = BigInteger.valueOf(Processes.DEFAULT_IDLE_TIMEOUT);
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String key = m.getKey();
            if (!Set.of("spare", "max", "idle_timeout").contains(key)) {
                throw new ConfigurationException(at, unknown(key));
            }
            type(at + "/" + key, key, m.getValue(), Kind.INTEGER);
            BigInteger n = m.getValue().getAsBigInteger();
            switch (key) {
                case "spare" -> spare = n;
                case "max" -> max = n;
                default -> idle = n;
            }
        }
        BigInteger int32 = BigInteger.valueOf(INT32_MAX);
        if (spare.signum() < 0) {
            throw new ConfigurationException(at + "/spare", "The \"spare\" number must not be negative." + got(spare));
        }
        if (spare.compareTo(int32) > 0) {
            throw new ConfigurationException(at + "/spare", "The \"spare\" number must not exceed " + INT32_MAX + "."
                + got(spare));
        }
        if (max.compareTo(BigInteger.ONE) < 0) {
            throw new ConfigurationException(at + "/max", "The \"max\" number must be equal to or greater than 1."
                + got(max));
        }
        if (max.compareTo(int32) > 0) {
            throw new ConfigurationException(at + "/max", "The \"max\" number must not exceed " + INT32_MAX + "."
                + got(max));
        }
        if (max.compareTo(spare) < 0) {
            throw new ConfigurationException(at, "The \"spare\" number must be less than or equal to \"max\"."
                + " Got spare " + spare + " and max " + max + ".");
        }
        if (idle.signum() < 0) {
            throw new ConfigurationException(at + "/idle_timeout", "The \"idle_timeout\" number must not be negative."
                + got(idle));
        }
        if (idle.compareTo(BigInteger.valueOf(INT32_MAX / 1000)) > 0) {
            throw new ConfigurationException(at + "/idle_timeout", "The \"idle_timeout\" number must not exceed "
                + INT32_MAX / 1000 + "." + got(idle));
        }
        return new Processes(spare.intValue(), max.intValue(), idle.intValue(), false);
    }

    /**
     * {@code "isolation"}: the namespaces, maps and new_privs; Unit's cgroup
     * path, which the spec keeps in its Resources; and the file system.
     */
    private record Isolation(IsolationRequest request, String cgroupPath, Filesystem filesystem) {
        static final Isolation NONE = new Isolation(IsolationRequest.NONE, null, Filesystem.NONE);
    }

    private static Isolation isolation(String at, JsonElement v) throws ConfigurationException {
        type(at, "isolation", v, Kind.OBJECT);
        Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
        List<IdMapEntry> uidmap = List.of();
        List<IdMapEntry> gidmap = List.of();
        String cgroupPath = null;
        boolean newPrivs = true;
        FilesystemValidator filesystem = new FilesystemValidator();
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            String key = m.getKey();
            String here = at + "/" + key;
            if (filesystem.take(here, key, m.getValue())) {
                continue;
            }
            switch (key) {
                case "namespaces" -> namespaces = namespaces(here, m.getValue());
                case "uidmap" -> uidmap = idMap(here, "uidmap", "uid_map", m.getValue());
                case "gidmap" -> gidmap = idMap(here, "gidmap", "gid_map", m.getValue());
                case "cgroup" -> cgroupPath = ResourcesValidator.cgroupPath(here, m.getValue());
                case "new_privs" -> newPrivs = bool(here, key, m.getValue());
                default -> throw new ConfigurationException(at, unknown(key));
            }
        }
        // Unit's wording (nxt_isolation.c): a map only means something inside a user namespace.
        if (!namespaces.contains(Namespace.CREDENTIAL)) {
            if (!uidmap.isEmpty()) {
                throw new ConfigurationException(at, "\"uidmap\" is set but \"isolation.namespaces.credential\""
                    + " is false or unset.");
            }
            if (!gidmap.isEmpty()) {
                throw new ConfigurationException(at, "\"gidmap\" is set but \"isolation.namespaces.credential\""
                    + " is false or unset.");
            }
        }
        filesystem.requireMountNamespace(at, namespaces);
        return new Isolation(new IsolationRequest(namespaces, uidmap, gidmap, null, newPrivs), cgroupPath,
            filesystem.build());
    }

    private static Set<Namespace> namespaces(String at, JsonElement v) throws ConfigurationException {
        type(at, "namespaces", v, Kind.OBJECT);
        Set<Namespace> set = EnumSet.noneOf(Namespace.class);
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            Namespace ns = null;
            for (Namespace n : Namespace.values()) {
                if (n.key().equals(m.getKey())) {
                    ns = n;
                }
            }
            if (ns == null) {
                throw new ConfigurationException(at, unknown(m.getKey()));
            }
            type(at + "/" + m.getKey(), m.getKey(), m.getValue(), Kind.BOOLEAN);
            if (m.getValue().getAsBoolean()) {
                set.add(ns);
            }
        }
        return set;
    }

    private static List<IdMapEntry> idMap(String at, String key, String file, JsonElement v)
            throws ConfigurationException {
        type(at, key, v, Kind.ARRAY);
        List<IdMapEntry> entries = new ArrayList<>();
        JsonArray array = v.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            String here = at + "/" + i;
            if (Kind.of(e) != Kind.OBJECT) {
                throw new ConfigurationException(here, "The \"" + key + "\" array must contain only object values.");
            }
            Map<String, Long> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                if (!Set.of("container", "host", "size").contains(m.getKey())) {
                    throw new ConfigurationException(here, unknown(m.getKey()));
                }
                type(here + "/" + m.getKey(), m.getKey(), m.getValue(), Kind.INTEGER);
                BigInteger n = m.getValue().getAsBigInteger();
                if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(ID_MAX)) > 0) {
                    throw new ConfigurationException(here + "/" + m.getKey(), "The " + file + " \"" + m.getKey()
                        + "\" value must be from 0 to " + ID_MAX + "." + got(n));
                }
                fields.put(m.getKey(), n.longValue());
            }
            for (String required : List.of("container", "host", "size")) {
                if (!fields.containsKey(required)) {
                    throw new ConfigurationException(here, "The " + file + " requires the \"" + required
                        + "\" field set.");
                }
            }
            entries.add(new IdMapEntry(fields.get("container"), fields.get("host"), fields.get("size")));
        }
        return entries;
    }

    /**
     * Unit takes any string and fails only when the process opens it; an
     * empty path or a NUL, which no open can take, is refused here instead.
     */
    private static String outputPath(String at, String name, JsonElement v) throws ConfigurationException {
        String path = string(at, name, v);
        if (path.isEmpty()) {
            throw new ConfigurationException(at, "The \"" + name + "\" path must not be empty.");
        }
        if (path.indexOf('\0') >= 0) {
            throw new ConfigurationException(at, "The \"" + name + "\" path must not contain a NUL character.");
        }
        return path;
    }

    private static String string(String at, String name, JsonElement v) throws ConfigurationException {
        type(at, name, v, Kind.STRING);
        return v.getAsString();
    }

    static boolean bool(String at, String name, JsonElement v) throws ConfigurationException {
        type(at, name, v, Kind.BOOLEAN);
        return v.getAsBoolean();
    }

    /** Unit's type error: {@code The "x" value must be either an integer number or an object, but not a string.} */
    static void type(String at, String name, JsonElement v, Kind... allowed) throws ConfigurationException {
        Kind actual = Kind.of(v);
        for (Kind k : allowed) {
            if (k == actual) {
                return;
            }
        }
        throw new ConfigurationException(at, "The \"" + name + "\" value must be " + expected(allowed) + ", but not "
            + actual.text + ".");
    }

    /** "a string"; "either an integer number or an object"; "either a, b, or c" (Unit's serial comma). */
    static String expected(Kind... kinds) {
        StringBuilder b = new StringBuilder(kinds.length > 1 ? "either " : "");
        for (int i = 0; i < kinds.length; i++) {
            b.append(kinds[i].text);
            int left = kinds.length - i - 1;
            if (left == 0) {
                break;
            }
            if (left > 1 || kinds.length > 2) {
                b.append(',');
            }
            if (left == 1) {
                b.append(" or");
            }
            b.append(' ');
        }
        return b.toString();
    }

    static String unknown(String name) {
        return "Unknown parameter \"" + name + "\".";
    }

    static String got(BigInteger n) {
        return " Got " + n + ".";
    }
}
