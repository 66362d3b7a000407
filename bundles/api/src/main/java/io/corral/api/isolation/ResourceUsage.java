package io.corral.api.isolation;

import java.util.OptionalLong;

/**
 * What a process's cgroup holds and uses now.
 *
 * @since 2.0
 */
public final class ResourceUsage {

    private final String cgroup;
    private final int processes;
    private final long memoryCurrent;
    private final long memoryMax;
    private final long oomKills;

    /**
     * @param cgroup        its cgroup, as in {@code /proc/PID/cgroup} (from the root of the v2 hierarchy)
     * @param processes     how many processes are in it
     * @param memoryCurrent memory in use in bytes, or -1 where the host does not account it
     * @param memoryMax     its memory limit in bytes, or -1 for none
     * @param oomKills      processes of it the kernel's OOM killer has killed, or -1 where unknown
     */
    public ResourceUsage(String cgroup, int processes, long memoryCurrent, long memoryMax, long oomKills) {
        this.cgroup = cgroup;
        this.processes = processes;
        this.memoryCurrent = memoryCurrent;
        this.memoryMax = memoryMax;
        this.oomKills = oomKills;
    }

    public String cgroup() {
        return cgroup;
    }

    public int processes() {
        return processes;
    }

    public OptionalLong memoryCurrent() {
        return memoryCurrent >= 0 ? OptionalLong.of(memoryCurrent) : OptionalLong.empty();
    }

    public OptionalLong memoryMax() {
        return memoryMax >= 0 ? OptionalLong.of(memoryMax) : OptionalLong.empty();
    }

    public OptionalLong oomKills() {
        return oomKills >= 0 ? OptionalLong.of(oomKills) : OptionalLong.empty();
    }

    @Override
    public String toString() {
        return "ResourceUsage[cgroup=" + cgroup + ", processes=" + processes + ", memoryCurrent=" + memoryCurrent
            + ", memoryMax=" + memoryMax + ", oomKills=" + oomKills + "]";
    }
}
