package io.corral.process.internal;

import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import io.corral.log.Log;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The processes one instance of the factory leaves running for the next
 * (across an update, refresh or restart of the process bundle), written to
 * the bundle's data area, which survives an update. Each entry names the
 * process and the pidfd that stays open in the JVM meanwhile; the provider
 * keeps watching it and holds its exit (see IsolationProvider.release).
 */
final class HandOff {

    private static final Log LOG = Log.of(HandOff.class);

    /** One process handed on. */
    record Entry(int pid, int isolatedPid, int pidfd, String name, ProcessType type, Credential credential,
            Set<Namespace> namespaces, String provider, Instant start, Path log, long owner, ProcessState state,
            long lifetimeEndMillis) {
    }

    private final Path file;

    HandOff(Path file) {
        this.file = file;
    }

    void write(List<Entry> entries) {
        Properties p = new Properties();
        p.setProperty("count", Integer.toString(entries.size()));
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            String k = i + ".";
            p.setProperty(k + "pid", Integer.toString(e.pid()));
            p.setProperty(k + "isolatedPid", Integer.toString(e.isolatedPid()));
            p.setProperty(k + "pidfd", Integer.toString(e.pidfd()));
            p.setProperty(k + "name", e.name());
            p.setProperty(k + "type", e.type().name());
            Credential c = e.credential();
            p.setProperty(k + "uid", Integer.toString(c.uid()));
            p.setProperty(k + "user", c.user());
            p.setProperty(k + "gid", Integer.toString(c.gid()));
            p.setProperty(k + "group", c.group());
            p.setProperty(k + "groups", c.groups().stream().map(g -> g.gid() + ":" + g.name())
                .collect(Collectors.joining(",")));
            p.setProperty(k + "home", c.home() == null ? "" : c.home());
            p.setProperty(k + "namespaces", e.namespaces().stream().map(Namespace::key)
                .collect(Collectors.joining(",")));
            p.setProperty(k + "provider", e.provider());
            p.setProperty(k + "start", e.start().toString());
            p.setProperty(k + "log", e.log() == null ? "" : e.log().toString());
            p.setProperty(k + "owner", Long.toString(e.owner()));
            p.setProperty(k + "state", e.state().name());
            p.setProperty(k + "lifetimeEnd", Long.toString(e.lifetimeEndMillis()));
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "processes handed to the next instance of the process factory");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.error("writing " + file + ": " + e.getMessage() + "; " + entries.size()
                + " running process(es) will not be supervised by the next instance");
        }
    }

    /** The entries left by the previous instance; the file is gone afterwards, so they are read once. */
    List<Entry> take() {
        if (!Files.exists(file)) {
            return List.of();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            LOG.error("reading " + file + ": " + e.getMessage());
            return List.of();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("removing " + file + ": " + e.getMessage());
            }
        }
        List<Entry> entries = new ArrayList<>();
        int count = Integer.parseInt(p.getProperty("count", "0"));
        for (int i = 0; i < count; i++) {
            String k = i + ".";
            try {
                List<GroupId> groups = new ArrayList<>();
                for (String g : p.getProperty(k + "groups", "").split(",")) {
                    if (!g.isEmpty()) {
                        int colon = g.indexOf(':');
                        groups.add(new GroupId(Integer.parseInt(g.substring(0, colon)), g.substring(colon + 1)));
                    }
                }
                Credential c = new Credential(Integer.parseInt(p.getProperty(k + "uid")), p.getProperty(k + "user"),
                    Integer.parseInt(p.getProperty(k + "gid")), p.getProperty(k + "group"), groups,
                    p.getProperty(k + "home"));
                Set<Namespace> ns = EnumSet.noneOf(Namespace.class);
                for (String n : p.getProperty(k + "namespaces", "").split(",")) {
                    if (!n.isEmpty()) {
                        ns.add(Namespace.parse(n));
                    }
                }
                String log = p.getProperty(k + "log", "");
                entries.add(new Entry(Integer.parseInt(p.getProperty(k + "pid")),
                    Integer.parseInt(p.getProperty(k + "isolatedPid")), Integer.parseInt(p.getProperty(k + "pidfd")),
                    p.getProperty(k + "name"), ProcessType.valueOf(p.getProperty(k + "type")), c, ns,
                    p.getProperty(k + "provider"), Instant.parse(p.getProperty(k + "start")),
                    log.isEmpty() ? null : Path.of(log), Long.parseLong(p.getProperty(k + "owner")),
                    ProcessState.valueOf(p.getProperty(k + "state")),
                    Long.parseLong(p.getProperty(k + "lifetimeEnd", "0"))));
            } catch (RuntimeException e) {
                LOG.error("entry " + i + " of " + file + " is damaged (" + e + "); that process is not supervised");
            }
        }
        return entries;
    }

    /**
     * Whether {@code fd} is still the pidfd of {@code pid}, as the previous
     * instance left it: nothing may have closed it and reused its number.
     */
    static boolean stillPidfdOf(int fd, int pid) {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            if (!link.contains("pidfd")) {
                return false;
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("Pid:")) {
                    String v = line.substring(4).trim();
                    // -1: it has ended and was reaped meanwhile; the provider still holds its exit.
                    return v.equals(Integer.toString(pid)) || v.equals("-1");
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

}
