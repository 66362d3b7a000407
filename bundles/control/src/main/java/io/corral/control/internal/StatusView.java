package io.corral.control.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.corral.api.app.ApplicationState;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.isolation.Namespace;
import io.corral.api.isolation.ResourceUsage;
import io.corral.api.process.ManagedProcess;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * {@code /status} in NGINX Unit 1.28's shape for applications
 * ({@code "processes": {"running", "starting", "idle"}}), with Corral's own
 * view of each application under {@code "corral"}: its state, the processes
 * it wants, its restarts, and each process (pid, state, user, namespaces,
 * start time, memory where its cgroup tells it).
 */
final class StatusView {

    private StatusView() {
    }

    /**
     * @param apps      every application, in the document's order
     * @param processes a process by pid, where the process factory knows it
     */
    static JsonObject of(List<ApplicationStatus> apps, IntFunction<Optional<ManagedProcess>> processes) {
        JsonObject applications = new JsonObject();
        for (ApplicationStatus app : apps) {
            applications.add(app.name(), application(app, processes));
        }
        JsonObject root = new JsonObject();
        root.add("applications", applications);
        return root;
    }

    private static JsonObject application(ApplicationStatus app, IntFunction<Optional<ManagedProcess>> processes) {
        JsonObject counts = new JsonObject();
        counts.addProperty("running", app.running());
        counts.addProperty("starting", starting(app));
        counts.addProperty("idle", app.idle());
        JsonObject corral = new JsonObject();
        corral.addProperty("state", app.state().name().toLowerCase(Locale.ROOT));
        corral.addProperty("role", app.role().name().toLowerCase(Locale.ROOT));
        corral.addProperty("wanted", app.wanted());
        corral.addProperty("restarts", app.restarts());
        if (app.message() != null) {
            corral.addProperty("message", app.message());
        }
        JsonArray list = new JsonArray();
        for (int pid : app.pids()) {
            list.add(process(pid, processes.apply(pid)));
        }
        corral.add("processes", list);
        if (!app.logFiles().isEmpty()) {
            corral.addProperty("log", app.logFiles().get(0).toString());
        }
        JsonObject o = new JsonObject();
        o.add("processes", counts);
        o.add("corral", corral);
        return o;
    }

    /** Processes wanted but not running yet, while the pool is bringing them up. */
    private static int starting(ApplicationStatus app) {
        boolean bringingUp = app.state() == ApplicationState.STARTING || app.state() == ApplicationState.CRASH_LOOP;
        return bringingUp ? Math.max(0, app.wanted() - app.running()) : 0;
    }

    private static JsonObject process(int pid, Optional<ManagedProcess> known) {
        JsonObject o = new JsonObject();
        o.addProperty("pid", pid);
        if (known.isEmpty()) {
            return o;
        }
        ManagedProcess p = known.get();
        o.addProperty("state", p.state().name().toLowerCase(Locale.ROOT));
        o.addProperty("user", p.credential().user());
        o.addProperty("uid", p.credential().uid());
        o.addProperty("provider", p.provider());
        JsonArray namespaces = new JsonArray();
        for (Namespace n : p.namespaces()) {
            namespaces.add(n.name().toLowerCase(Locale.ROOT));
        }
        o.add("namespaces", namespaces);
        o.addProperty("started", p.startTime().toString());
        Optional<ResourceUsage> usage = p.usage();
        if (usage.isPresent()) {
            ResourceUsage u = usage.get();
            o.addProperty("cgroup", u.cgroup());
            u.memoryCurrent().ifPresent(m -> o.addProperty("memory_current", m));
            u.memoryMax().ifPresent(m -> o.addProperty("memory_max", m));
        }
        return o;
    }
}
