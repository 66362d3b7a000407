package io.corral.api.credential;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A resolved identity, what a child process is given.
 *
 * @param uid    the user id
 * @param user   the user name
 * @param gid    the base (primary) group id
 * @param group  the base group's name
 * @param groups every group id the process holds, the base group first,
 *               then the supplementary groups in the order of the group database
 * @param home   the user's home directory ("" when unknown)
 */
public record Credential(int uid, String user, int gid, String group, List<GroupId> groups, String home) {

    public Credential {
        groups = List.copyOf(groups);
    }

    /** The supplementary gids: every group but the base group. */
    public int[] supplementaryGids() {
        return groups.stream().mapToInt(GroupId::gid).filter(g -> g != gid).distinct().toArray();
    }

    /** In the format of id(1): {@code uid=0(root) gid=0(root) groups=0(root)}. */
    public String toIdString() {
        return "uid=" + uid + "(" + user + ") gid=" + gid + "(" + group + ") groups="
            + groups.stream().map(GroupId::toString).collect(Collectors.joining(","));
    }
}
