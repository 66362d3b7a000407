package io.corral.spawner;

import java.util.List;

/**
 * How the spawn server makes one child's cgroup (docs/spawnd-protocol.md):
 * in {@code parent} (absolute; "" for the server's own directory), with a
 * companion in each v1 directory, and the controller files
 * {@code HIERARCHY:FILE=VALUE} written before the child runs (0 = the v2
 * cgroup, n = the n-th v1 directory).
 */
record CgroupPlan(String parent, List<String> v1Directories, List<String> settings) {

    static final CgroupPlan PLAIN = new CgroupPlan("", List.of(), List.of());

    CgroupPlan {
        v1Directories = List.copyOf(v1Directories);
        settings = List.copyOf(settings);
    }
}
