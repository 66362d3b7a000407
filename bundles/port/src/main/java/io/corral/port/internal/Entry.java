package io.corral.port.internal;

import io.corral.api.port.PortId;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessType;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One process with a port. The mutable fields are guarded by the
 * {@link Table} they are in.
 */
final class Entry {

    final int pid;
    final ProcessType type;
    final int stream;
    final Link link;
    final ManagedProcess process;
    final Runnable readyAction;
    boolean ready;
    /** The peers' ports this process holds (main's is implied). */
    final Set<PortId> holds = new LinkedHashSet<>();

    Entry(int pid, ProcessType type, int stream, Link link, ManagedProcess process, Runnable readyAction) {
        this.pid = pid;
        this.type = type;
        this.stream = stream;
        this.link = link;
        this.process = process;
        this.readyAction = readyAction;
    }

    PortId port() {
        return new PortId(pid, PortId.FIRST);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + " " + pid;
    }
}
