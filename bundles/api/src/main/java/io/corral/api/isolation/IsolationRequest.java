package io.corral.api.isolation;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Unit's {@code isolation} object: which namespaces to create and how ids map
 * into a user namespace.
 */
public final class IsolationRequest {

    /** No namespaces, no maps. */
    public static final IsolationRequest NONE = new IsolationRequest(Set.of(), List.of(), List.of(), null, true);

    private final Set<Namespace> namespaces;
    private final List<IdMapEntry> uidMap;
    private final List<IdMapEntry> gidMap;
    private final String hostname;
    private final boolean newPrivileges;

    /**
     * @param namespaces    the namespaces to create; empty for none
     * @param uidMap        uid map entries; empty for the default map
     * @param gidMap        gid map entries; empty for the default map
     * @param hostname      the host name inside a new uname namespace, or null
     * @param newPrivileges Unit's {@code new_privs}: false sets no_new_privs in the child
     */
    public IsolationRequest(Set<Namespace> namespaces, List<IdMapEntry> uidMap, List<IdMapEntry> gidMap,
            String hostname, boolean newPrivileges) {
        this.namespaces = namespaces.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(namespaces));
        this.uidMap = List.copyOf(uidMap);
        this.gidMap = List.copyOf(gidMap);
        this.hostname = hostname;
        this.newPrivileges = newPrivileges;
    }

    public static IsolationRequest of(Set<Namespace> namespaces) {
        return new IsolationRequest(namespaces, List.of(), List.of(), null, true);
    }

    /** A builder: no namespaces, default maps, no host name, new privileges allowed, as {@link #NONE}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The namespaces to create; empty for none. */
    public Set<Namespace> namespaces() {
        return namespaces;
    }

    /** Uid map entries; empty for the default map. */
    public List<IdMapEntry> uidMap() {
        return uidMap;
    }

    /** Gid map entries; empty for the default map. */
    public List<IdMapEntry> gidMap() {
        return gidMap;
    }

    /** The host name inside a new uname namespace, or null. */
    public String hostname() {
        return hostname;
    }

    /** Unit's {@code new_privs}: false sets no_new_privs in the child. */
    public boolean newPrivileges() {
        return newPrivileges;
    }

    public boolean has(Namespace namespace) {
        return namespaces.contains(namespace);
    }

    public IsolationRequest withMaps(List<IdMapEntry> uids, List<IdMapEntry> gids) {
        return new IsolationRequest(namespaces, uids, gids, hostname, newPrivileges);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IsolationRequest r && r.namespaces.equals(namespaces) && r.uidMap.equals(uidMap)
            && r.gidMap.equals(gidMap) && Objects.equals(r.hostname, hostname) && r.newPrivileges == newPrivileges;
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespaces, uidMap, gidMap, hostname, newPrivileges);
    }

    @Override
    public String toString() {
        return "IsolationRequest[namespaces=" + namespaces + ", uidMap=" + uidMap + ", gidMap=" + gidMap
            + ", hostname=" + hostname + ", newPrivileges=" + newPrivileges + "]";
    }

    /** Builds an {@link IsolationRequest}; not thread-safe. */
    public static final class Builder {

        private Set<Namespace> namespaces = Set.of();
        private List<IdMapEntry> uidMap = List.of();
        private List<IdMapEntry> gidMap = List.of();
        private String hostname;
        private boolean newPrivileges = true;

        private Builder() {
        }

        public Builder namespaces(Set<Namespace> namespaces) {
            this.namespaces = namespaces;
            return this;
        }

        public Builder uidMap(List<IdMapEntry> uidMap) {
            this.uidMap = uidMap;
            return this;
        }

        public Builder gidMap(List<IdMapEntry> gidMap) {
            this.gidMap = gidMap;
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        public Builder newPrivileges(boolean newPrivileges) {
            this.newPrivileges = newPrivileges;
            return this;
        }

        public IsolationRequest build() {
            return new IsolationRequest(namespaces, uidMap, gidMap, hostname, newPrivileges);
        }
    }
}
