package io.corral.api.credential;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A resolved identity, what a child process is given.
 *
 * <p>Ids are unsigned 32-bit values held in an int, as uid_t and gid_t are:
 * ids above 2147483647 read as negative; {@link Integer#toUnsignedLong} and
 * {@link Integer#toUnsignedString} give the number. (uid_t) -1 is never a
 * resolved id.
 */
public final class Credential {

    private final int uid;
    private final String user;
    private final int gid;
    private final String group;
    private final List<GroupId> groups;
    private final String home;

    /**
     * @param uid    the user id
     * @param user   the user name
     * @param gid    the base (primary) group id
     * @param group  the base group's name
     * @param groups every group id the process holds, the base group first,
     *               then the supplementary groups in the order of the group database
     * @param home   the user's home directory ("" when unknown)
     */
    public Credential(int uid, String user, int gid, String group, List<GroupId> groups, String home) {
        this.uid = uid;
        this.user = user;
        this.gid = gid;
        this.group = group;
        this.groups = List.copyOf(groups);
        this.home = home;
    }

    /** A builder; {@code groups} defaults to none and {@code home} to "". */
    public static Builder builder() {
        return new Builder();
    }

    /** The user id. */
    public int uid() {
        return uid;
    }

    /** The user name. */
    public String user() {
        return user;
    }

    /** The base (primary) group id. */
    public int gid() {
        return gid;
    }

    /** The base group's name. */
    public String group() {
        return group;
    }

    /** Every group the process holds: the base group first, then the supplementary groups. */
    public List<GroupId> groups() {
        return groups;
    }

    /** The user's home directory ("" when unknown). */
    public String home() {
        return home;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof Credential c && c.uid == uid && Objects.equals(c.user, user) && c.gid == gid
            && Objects.equals(c.group, group) && c.groups.equals(groups) && Objects.equals(c.home, home);
    }

    @Override
    public int hashCode() {
        return Objects.hash(uid, user, gid, group, groups, home);
    }

    @Override
    public String toString() {
        return "Credential[uid=" + uid + ", user=" + user + ", gid=" + gid + ", group=" + group + ", groups="
            + groups + ", home=" + home + "]";
    }

    /** Builds a {@link Credential}; not thread-safe. */
    public static final class Builder {

        private int uid;
        private String user;
        private int gid;
        private String group;
        private List<GroupId> groups = List.of();
        private String home = "";

        private Builder() {
        }

        public Builder uid(int uid) {
            this.uid = uid;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder gid(int gid) {
            this.gid = gid;
            return this;
        }

        public Builder group(String group) {
            this.group = group;
            return this;
        }

        public Builder groups(List<GroupId> groups) {
            this.groups = groups;
            return this;
        }

        public Builder home(String home) {
            this.home = home;
            return this;
        }

        public Credential build() {
            return new Credential(uid, user, gid, group, groups, home);
        }
    }
}
