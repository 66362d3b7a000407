package io.corral.spawner;

import io.corral.api.isolation.Namespace;
import java.util.EnumSet;
import java.util.Set;

/** The namespace bit mask of the spawn protocol. */
final class NamespaceBits {

    private NamespaceBits() {
    }

    static int bit(Namespace n) {
        return switch (n) {
            case CREDENTIAL -> 1;
            case PID -> 2;
            case MOUNT -> 4;
            case UNAME -> 8;
            case IPC -> 16;
            case NETWORK -> 32;
            case CGROUP -> 64;
        };
    }

    static int mask(Set<Namespace> namespaces) {
        int mask = 0;
        for (Namespace n : namespaces) {
            mask |= bit(n);
        }
        return mask;
    }

    static Set<Namespace> of(int mask) {
        Set<Namespace> set = EnumSet.noneOf(Namespace.class);
        for (Namespace n : Namespace.values()) {
            if ((mask & bit(n)) != 0) {
                set.add(n);
            }
        }
        return set;
    }
}
