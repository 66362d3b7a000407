package io.corral.api.isolation;

import io.corral.api.credential.Credential;
import java.util.Objects;

/**
 * Who is asking: the container's own identity, and whether it may give
 * children other ids (which decides the id-map rules, as in Unit).
 */
public final class Host {

    private final Credential caller;
    private final boolean privileged;

    public Host(Credential caller, boolean privileged) {
        this.caller = caller;
        this.privileged = privileged;
    }

    /** The container's own identity. */
    public Credential caller() {
        return caller;
    }

    /** Whether the container may give children ids other than its own. */
    public boolean privileged() {
        return privileged;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Host h && Objects.equals(h.caller, caller) && h.privileged == privileged;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(caller) * 31 + Boolean.hashCode(privileged);
    }

    @Override
    public String toString() {
        return "Host[caller=" + caller + ", privileged=" + privileged + "]";
    }
}
