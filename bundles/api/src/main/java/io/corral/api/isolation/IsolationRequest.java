package io.corral.api.isolation;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Unit's {@code isolation} object: which namespaces to create and how ids map
 * into a user namespace.
 *
 * @param namespaces    the namespaces to create; empty for none
 * @param uidMap        uid map entries; empty for the default map
 * @param gidMap        gid map entries; empty for the default map
 * @param hostname      the host name inside a new uname namespace, or null
 * @param newPrivileges Unit's {@code new_privs}: false sets no_new_privs in the child
 */
public record IsolationRequest(Set<Namespace> namespaces, List<IdMapEntry> uidMap, List<IdMapEntry> gidMap,
        String hostname, boolean newPrivileges) {

    /** No namespaces, no maps. */
    public static final IsolationRequest NONE = new IsolationRequest(Set.of(), List.of(), List.of(), null, true);

    public IsolationRequest {
        namespaces = namespaces.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(namespaces));
        uidMap = List.copyOf(uidMap);
        gidMap = List.copyOf(gidMap);
    }

    public static IsolationRequest of(Set<Namespace> namespaces) {
        return new IsolationRequest(namespaces, List.of(), List.of(), null, true);
    }

    public boolean has(Namespace namespace) {
        return namespaces.contains(namespace);
    }

    public IsolationRequest withMaps(List<IdMapEntry> uids, List<IdMapEntry> gids) {
        return new IsolationRequest(namespaces, uids, gids, hostname, newPrivileges);
    }
}
