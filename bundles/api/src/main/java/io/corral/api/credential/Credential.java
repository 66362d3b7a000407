package io.corral.api.credential;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A resolved identity, what a child process is given.
 *
 * <p>Ids are unsigned 32-bit values held in an int, as uid_t and gid_t are:
 * ids above 2147483647 read as negative; {@link Integer#toUnsignedLong} and
 * {@link Integer#toUnsignedString} give the number. (uid_t) -1 is never a
 * resolved id.
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

    /**
     * In the format of id(1): {@code uid=0(root) gid=0(root) groups=0(root)};
     * like id(1), an id without a name is printed without parentheses.
     */
    public String toIdString() {
        return "uid=" + idAndName(uid, user) + " gid=" + idAndName(gid, group) + " groups="
            + groups.stream().map(GroupId::toString).collect(Collectors.joining(","));
    }

    /** {@code 0(root)}, or {@code 4242} when the name is only the number (no database entry). */
    static String idAndName(int id, String name) {
        String number = Integer.toUnsignedString(id);
        return number.equals(name) ? number : number + "(" + name + ")";
    }
}
