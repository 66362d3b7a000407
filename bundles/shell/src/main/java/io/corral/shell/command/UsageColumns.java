package io.corral.shell.command;

import io.corral.api.isolation.ResourceUsage;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ManagedProcess;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a process's cgroup holds and uses, as listing commands show it: two
 * short columns in the table (processes; memory as current/limit), typed
 * values in JSON. A null cell is unknown: "-" in the table, null in JSON.
 */
final class UsageColumns {

    static final String[] TEXT = {"Procs", "Memory"};
    static final String[] JSON = {"Cgroup", "Cgroup processes", "Memory current", "Memory max", "OOM kills"};

    private UsageColumns() {
    }

    static Object[] text(ManagedProcess p) {
        Optional<ResourceUsage> usage = p.usage();
        return new Object[] {usage.map(ResourceUsage::processes).orElse(null), memory(usage, p.resources())};
    }

    static Object[] json(ManagedProcess p) {
        Optional<ResourceUsage> usage = p.usage();
        return new Object[] {usage.map(ResourceUsage::cgroup).orElse(null),
            usage.map(ResourceUsage::processes).orElse(null),
            boxed(usage.map(ResourceUsage::memoryCurrent).orElse(OptionalLong.empty())),
            boxed(memoryMax(usage, p.resources())),
            boxed(usage.map(ResourceUsage::oomKills).orElse(OptionalLong.empty()))};
    }

    /** The memory a group of processes uses together: the sum of those whose memory is known; empty when none is. */
    static OptionalLong memoryCurrent(List<ManagedProcess> processes) {
        long sum = 0;
        boolean known = false;
        for (ManagedProcess p : processes) {
            OptionalLong m = p.usage().map(ResourceUsage::memoryCurrent).orElse(OptionalLong.empty());
            if (m.isPresent()) {
                sum += m.getAsLong();
                known = true;
            }
        }
        return known ? OptionalLong.of(sum) : OptionalLong.empty();
    }

    /** "12.3M/64M"; "-" for a part that is unknown or no limit; null when both are. */
    static String memory(Optional<ResourceUsage> usage, Resources resources) {
        OptionalLong current = usage.map(ResourceUsage::memoryCurrent).orElse(OptionalLong.empty());
        OptionalLong max = memoryMax(usage, resources);
        if (current.isEmpty() && max.isEmpty()) {
            return null;
        }
        return bytes(current) + "/" + bytes(max);
    }

    /** The cgroup's own limit while it is there; the one asked for once it is gone (an exited process). */
    static OptionalLong memoryMax(Optional<ResourceUsage> usage, Resources resources) {
        return usage.isPresent() ? usage.get().memoryMax() : resources.memoryMax();
    }

    private static String bytes(OptionalLong n) {
        return n.isPresent() ? Bytes.format(n.getAsLong()) : "-";
    }

    private static Long boxed(OptionalLong n) {
        return n.isPresent() ? n.getAsLong() : null;
    }
}
