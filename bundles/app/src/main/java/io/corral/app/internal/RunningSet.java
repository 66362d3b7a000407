package io.corral.app.internal;

import io.corral.api.app.Reloaded;
import io.corral.app.internal.config.AppConfig;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.pool.Pool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The document that runs and a pool per application. Confined to the
 * scheduler's thread, except {@link #document()}.
 */
final class RunningSet {

    private final Function<AppConfig, Pool> newPool;
    private final Map<String, Pool> pools = new LinkedHashMap<>();
    /** Pools of applications that left the document, until their last process has exited. */
    private final List<Pool> retired = new ArrayList<>();
    private volatile Document document = Document.EMPTY;

    RunningSet(Function<AppConfig, Pool> newPool) {
        this.newPool = newPool;
    }

    Document document() {
        return document;
    }

    Collection<Pool> pools() {
        return pools.values();
    }

    Optional<Pool> pool(String name) {
        return Optional.ofNullable(pools.get(name));
    }

    /**
     * Changes the running set to {@code next}, which passed every check:
     * new applications start, removed ones quit, changed ones are
     * reconfigured, unchanged ones are not touched.
     */
    Reloaded commit(Document next) {
        List<String> started = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        for (String name : List.copyOf(pools.keySet())) {
            if (!next.applications().containsKey(name)) {
                Pool p = pools.remove(name);
                p.close();
                retired.add(p);
                removed.add(name);
            }
        }
        Map<String, Pool> ordered = new LinkedHashMap<>();
        for (AppConfig app : next.applications().values()) {
            Pool p = pools.get(app.name());
            if (p == null) {
                p = newPool.apply(app);
                p.start();
                started.add(app.name());
            } else if (!p.config().json().equals(app.json())) {
                p.reconfigure(app);
                changed.add(app.name());
            } else {
                unchanged.add(app.name());
            }
            ordered.put(app.name(), p);
        }
        pools.clear();
        pools.putAll(ordered);
        retired.removeIf(p -> p.exits().isEmpty());
        document = next;
        return new Reloaded(started, changed, removed, unchanged);
    }

    /** Every application quits, for good (the container is stopping). */
    void closeAll() {
        pools.values().forEach(Pool::close);
        retired.addAll(pools.values());
        pools.clear();
    }

    /** True once every pool, removed ones included, has seen its last process exit. */
    boolean allExited() {
        return pools.values().stream().allMatch(p -> p.exits().isEmpty())
            && retired.stream().allMatch(p -> p.exits().isEmpty());
    }

    static String describe(Reloaded r) {
        List<String> parts = new ArrayList<>();
        if (!r.started().isEmpty()) {
            parts.add("started " + String.join(", ", r.started()));
        }
        if (!r.changed().isEmpty()) {
            parts.add("changed " + String.join(", ", r.changed()));
        }
        if (!r.removed().isEmpty()) {
            parts.add("removed " + String.join(", ", r.removed()));
        }
        return parts.isEmpty() ? "nothing changed" : String.join("; ", parts);
    }
}
