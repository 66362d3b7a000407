package io.corral.port.internal;

import io.corral.api.port.Matrix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connected-port table: the processes with ports and who holds whose,
 * and the decisions the matrices make on it. Not thread-safe by itself:
 * callers hold its monitor for every call and for as long as they act on a
 * decision, which is what makes the registry safe under concurrent use.
 * {@link #find} alone needs no lock: a message's way to its port.
 */
final class Table {

    /** Hand {@code owner}'s port to {@code holder}. */
    record Grant(Entry holder, Entry owner) {
    }

    /** In the order the processes came: grants go out in that order. */
    private final Map<Integer, Entry> entries = new LinkedHashMap<>();
    /** The same, for {@link #find}. */
    private final Map<Integer, Entry> byPid = new ConcurrentHashMap<>();

    void add(Entry e) {
        entries.put(e.pid, e);
        byPid.put(e.pid, e);
    }

    Entry get(int pid) {
        return entries.get(pid);
    }

    /** {@link #get} without the table's monitor: the entry as it stands when the caller looks. */
    Entry find(int pid) {
        return byPid.get(pid);
    }

    Collection<Entry> entries() {
        return entries.values();
    }

    /** A new process gets the ports of the ready processes its row allows (Unit hands them at creation). */
    List<Grant> onSpawn(Entry e, Matrix connect) {
        List<Grant> grants = new ArrayList<>();
        for (Entry other : entries.values()) {
            if (other != e && other.ready && connect.allows(e.type, other.type) && !e.holds.contains(other.port())) {
                grants.add(new Grant(e, other));
            }
        }
        return grants;
    }

    /**
     * A process became ready: it gets what its row allows and it lacks (ports
     * of processes that became ready since its spawn), and its port goes to
     * every ready process whose row allows it.
     */
    List<Grant> onReady(Entry e, Matrix connect) {
        List<Grant> grants = onSpawn(e, connect);
        for (Entry other : entries.values()) {
            if (other != e && other.ready && connect.allows(other.type, e.type) && !other.holds.contains(e.port())) {
                grants.add(new Grant(other, e));
            }
        }
        return grants;
    }

    /**
     * Forgets a process that died and returns the processes to tell (those
     * whose remove-notify row allows it); nobody holds its port any more.
     */
    List<Entry> onDeath(Entry dead, Matrix removeNotify) {
        entries.remove(dead.pid, dead);
        byPid.remove(dead.pid, dead);
        List<Entry> told = new ArrayList<>();
        for (Entry other : entries.values()) {
            other.holds.remove(dead.port());
            if (removeNotify.allows(other.type, dead.type)) {
                told.add(other);
            }
        }
        return told;
    }
}
