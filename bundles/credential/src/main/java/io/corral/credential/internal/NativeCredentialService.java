package io.corral.credential.internal;

import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.CredentialService;
import io.corral.api.credential.GroupId;
import io.corral.credential.internal.NameOrId.Kind;
import io.corral.posix.GroupEntry;
import io.corral.posix.Passwd;
import io.corral.posix.Posix;
import io.corral.posix.PosixException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * Users and groups from the C library's databases (passwd, group, NSS
 * included), through {@link Posix}: the first half of Unit's
 * {@code nxt_user_cred_get}; the child applies the result.
 *
 * <p>Where a choice had to be made:
 * <ul>
 * <li>A numeric user is a uid and must have a passwd entry ({@code user 4242
 *     not found} otherwise): without one there is no name to ask
 *     getgrouplist(3) with, no primary group and no home. Unit needs an entry too.</li>
 * <li>A numeric group is a gid and may lack a group entry; it is then named
 *     by its number, as chgrp(1) and id(1) treat such gids. A group
 *     <em>name</em> must exist.</li>
 * <li>The groups are getgrouplist(user, base gid), as in Unit's
 *     {@code nxt_user_groups_get} and initgroups(3): the base gid first, then
 *     every group that lists the user as a member, each once. With the user's
 *     primary group that is exactly what {@code id USER} prints. With another
 *     group given, the passwd primary group stays only if the group database
 *     lists the user in it (setpriv --init-groups would keep it; Corral
 *     follows Unit).</li>
 * <li>Nothing here calls setgroups, initgroups, setgid or setuid. Unit's
 *     save/initgroups/restore trick is for a single-threaded C process; in a
 *     JVM it would change the identity of every thread while it runs.</li>
 * </ul>
 */
@Component(service = CredentialService.class)
public final class NativeCredentialService implements CredentialService {

    @Override
    public Credential resolve(String user, String group) throws CredentialException {
        // Both are checked before either is looked up: a bad group is reported even for an unknown user.
        NameOrId who = NameOrId.parse(Kind.USER, user);
        NameOrId baseGroup = group == null ? null : NameOrId.parse(Kind.GROUP, group);
        Passwd passwd = findUser(who);
        int gid = baseGroup == null ? passwd.gid() : findGroup(baseGroup);
        int[] gids;
        try {
            gids = Posix.getgrouplist(passwd.name(), gid);
        } catch (PosixException e) {
            throw lookupFailed("the groups of user " + NameOrId.quote(passwd.name()), "getgrouplist", e);
        }
        List<GroupId> groups = new ArrayList<>();
        for (int g : baseFirst(gid, gids)) {
            groups.add(new GroupId(g, groupName(g)));
        }
        return new Credential(passwd.uid(), passwd.name(), gid, groups.get(0).name(), groups, passwd.home());
    }

    /**
     * The JVM's real uid and gid and its groups (the real gid first, then
     * getgroups(2)). Names that cannot be looked up are given as numbers.
     */
    @Override
    public Credential current() {
        int uid = Posix.getuid();
        int gid = Posix.getgid();
        Passwd passwd;
        try {
            passwd = Posix.getpwuid(uid);
        } catch (PosixException e) {
            passwd = null;
        }
        int[] supplementary;
        try {
            supplementary = Posix.getgroups();
        } catch (PosixException e) {
            // getgroups(2) fails only for a too-small buffer, which Posix sizes itself.
            throw new IllegalStateException(e.getMessage(), e);
        }
        List<GroupId> groups = new ArrayList<>();
        for (int g : baseFirst(gid, supplementary)) {
            groups.add(new GroupId(g, groupNameOrNumber(g)));
        }
        return new Credential(uid, passwd != null ? passwd.name() : Integer.toUnsignedString(uid), gid,
            groups.get(0).name(), groups, passwd != null ? passwd.home() : "");
    }

    /** Unit's test (nxt_capability_set): effective uid 0, or both CAP_SETUID and CAP_SETGID. */
    @Override
    public boolean canChangeIds() {
        return Posix.geteuid() == 0 || EffectiveCapabilities.ofThisProcess().canSetIds();
    }

    private static Passwd findUser(NameOrId user) throws CredentialException {
        Passwd passwd;
        try {
            passwd = user.isNumeric() ? Posix.getpwuid(user.id()) : Posix.getpwnam(user.name());
        } catch (PosixException e) {
            throw lookupFailed(user.describe(), user.isNumeric() ? "getpwuid" : "getpwnam", e);
        }
        if (passwd == null) {
            throw new CredentialException(user.describe() + " not found");
        }
        return passwd;
    }

    private static int findGroup(NameOrId group) throws CredentialException {
        if (group.isNumeric()) {
            return group.id();
        }
        GroupEntry entry;
        try {
            entry = Posix.getgrnam(group.name());
        } catch (PosixException e) {
            throw lookupFailed(group.describe(), "getgrnam", e);
        }
        if (entry == null) {
            throw new CredentialException(group.describe() + " not found");
        }
        return entry.gid();
    }

    /** The group's name, or its number when the group database has no entry for it. */
    private static String groupName(int gid) throws CredentialException {
        try {
            GroupEntry entry = Posix.getgrgid(gid);
            return entry != null ? entry.name() : Integer.toUnsignedString(gid);
        } catch (PosixException e) {
            throw lookupFailed("group " + Integer.toUnsignedString(gid), "getgrgid", e);
        }
    }

    private static String groupNameOrNumber(int gid) {
        try {
            return groupName(gid);
        } catch (CredentialException e) {
            return Integer.toUnsignedString(gid);
        }
    }

    /** {@code gid}, then the others in their order, each once. */
    private static Set<Integer> baseFirst(int gid, int[] others) {
        Set<Integer> gids = new LinkedHashSet<>();
        gids.add(gid);
        for (int g : others) {
            gids.add(g);
        }
        return gids;
    }

    private static CredentialException lookupFailed(String subject, String function, PosixException e) {
        return new CredentialException("looking up " + subject + " failed: " + function + ": "
            + Posix.strerror(e.errno()));
    }
}
