package io.corral.spawner;

import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Host;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import java.util.ArrayList;
import java.util.List;

/**
 * Unit's rules for uid and gid maps (nxt_clone_vldt_credential_*), checked
 * before anything is created so that the operator gets a message naming the
 * entry rather than the kernel's EINVAL.
 */
public final class IdMapRules {

    /** The kernel's limit of lines in a map (since Linux 4.15). */
    static final int MAX_ENTRIES = 340;
    private static final long ID_LIMIT = 0xFFFFFFFFL; // (uid_t) -1 is never a valid id

    private IdMapRules() {
    }

    /**
     * Checks the maps of a request and fills in the default maps. The target
     * is the credential the child gets (null: the container's own, refused in
     * a credential namespace).
     */
    public static IsolationRequest check(IsolationRequest request, Credential target, Host host)
            throws IsolationException {
        boolean userNs = request.has(Namespace.CREDENTIAL);
        if (!userNs) {
            if (!request.uidMap().isEmpty()) {
                throw invalid("\"uidmap\" requires the \"credential\" namespace");
            }
            if (!request.gidMap().isEmpty()) {
                throw invalid("\"gidmap\" requires the \"credential\" namespace");
            }
            checkWithoutNamespace(target, host);
            return request;
        }
        if (target == null) {
            // Unmapped in its namespace, a child that keeps its ids is still the host's user (root, say).
            throw invalid("the \"credential\" namespace needs the user the child runs as inside it");
        }
        List<IdMapEntry> uids = request.uidMap().isEmpty()
            ? List.of(new IdMapEntry(target.uid(), host.privileged() ? target.uid() : host.caller().uid(), 1))
            : request.uidMap();
        List<IdMapEntry> gids = request.gidMap().isEmpty()
            ? List.of(new IdMapEntry(target.gid(), host.privileged() ? target.gid() : host.caller().gid(), 1))
            : request.gidMap();
        checkEntries("uidmap", uids);
        checkEntries("gidmap", gids);
        if (host.privileged()) {
            checkCovered(target, uids, gids);
        } else {
            checkUnprivileged(target, host, uids, gids);
        }
        return request.withMaps(uids, gids);
    }

    /** Without a user namespace an unprivileged container can only run children as itself. */
    private static void checkWithoutNamespace(Credential target, Host host) throws IsolationException {
        if (target == null || host.privileged()) {
            return;
        }
        Credential self = host.caller();
        if (target.uid() != self.uid() || target.gid() != self.gid()) {
            throw new IsolationException("credential", 1, "user \"" + target.user() + "\" (uid " + target.uid()
                + ", gid " + target.gid() + "): running as another user needs root or CAP_SETUID and CAP_SETGID"
                + " (missing capabilities), or the \"credential\" namespace");
        }
    }

    private static void checkEntries(String field, List<IdMapEntry> map) throws IsolationException {
        if (map.size() > MAX_ENTRIES) {
            throw invalid("\"" + field + "\" has " + map.size() + " entries; the kernel allows at most " + MAX_ENTRIES);
        }
        for (int i = 0; i < map.size(); i++) {
            IdMapEntry e = map.get(i);
            if (e.size() < 1) {
                throw invalid(name(field, i, e) + ": \"size\" must be at least 1");
            }
            if (e.container() < 0 || e.container() + e.size() > ID_LIMIT) {
                throw invalid(name(field, i, e) + ": container ids must lie in 0.." + (ID_LIMIT - 1));
            }
            if (e.host() < 0 || e.host() + e.size() > ID_LIMIT) {
                throw invalid(name(field, i, e) + ": host ids must lie in 0.." + (ID_LIMIT - 1));
            }
            for (int j = 0; j < i; j++) {
                IdMapEntry o = map.get(j);
                if (overlaps(e.container(), o.container(), e.size(), o.size())) {
                    throw invalid(name(field, i, e) + " overlaps " + name(field, j, o) + " in container ids");
                }
                if (overlaps(e.host(), o.host(), e.size(), o.size())) {
                    throw invalid(name(field, i, e) + " overlaps " + name(field, j, o) + " in host ids");
                }
            }
        }
    }

    /** How a message names an entry, e.g. {@code uidmap[1] "0:1000:1"}; built only for a refusal. */
    private static String name(String field, int index, IdMapEntry e) {
        return field + "[" + index + "] \"" + e + "\"";
    }

    private static boolean overlaps(long a, long b, long sizeA, long sizeB) {
        return a < b + sizeB && b < a + sizeA;
    }

    /** A privileged container may map anything, but the child's ids must be inside the maps. */
    private static void checkCovered(Credential app, List<IdMapEntry> uids, List<IdMapEntry> gids)
            throws IsolationException {
        if (!covers(uids, app.uid())) {
            throw invalid("\"uidmap\" has no \"container\" entry for user \"" + app.user() + "\" (uid "
                + app.uid() + ")");
        }
        for (GroupId g : groupsOf(app)) {
            if (!covers(gids, g.gid())) {
                throw invalid("\"gidmap\" has no \"container\" entry for group \"" + g.name() + "\" (gid "
                    + g.gid() + ") of user \"" + app.user() + "\"");
            }
        }
    }

    /** An unprivileged container may map only itself, one id, and no supplementary groups. */
    private static void checkUnprivileged(Credential target, Host host, List<IdMapEntry> uids,
            List<IdMapEntry> gids) throws IsolationException {
        Credential self = host.caller();
        checkOne("uidmap", uids, self.uid(), "uid");
        checkOne("gidmap", gids, self.gid(), "gid");
        if (uids.get(0).container() != target.uid()) {
            throw invalid("\"uidmap\" has no \"container\" entry for user \"" + target.user() + "\" (uid "
                + target.uid() + ")");
        }
        if (gids.get(0).container() != target.gid()) {
            throw invalid("\"gidmap\" has no \"container\" entry for gid " + target.gid() + " of user \""
                + target.user() + "\"");
        }
        if (target.supplementaryGids().length > 0) {
            // Unit counts the base group too (nxt_clone_vldt_credential_gidmap).
            int groups = target.groups().size();
            throw invalid("an unprivileged container cannot give supplementary groups in a credential namespace"
                + " (user \"" + target.user() + "\" has " + groups + " group" + (groups == 1 ? "" : "s")
                + "); choose a user without them, or run Corral as root");
        }
    }

    private static void checkOne(String field, List<IdMapEntry> map, int own, String kind)
            throws IsolationException {
        if (map.size() > 1) {
            throw invalid("\"" + field + "\" has " + map.size() + " entries; an unprivileged container may have"
                + " only one");
        }
        IdMapEntry e = map.get(0);
        if (e.size() != 1) {
            throw invalid(field + "[0] \"" + e + "\": \"size\" is " + e.size() + ", but for an unprivileged"
                + " container it must be 1");
        }
        if (e.host() != own) {
            throw invalid(field + "[0] \"" + e + "\" maps host " + kind + " " + e.host() + ", but an unprivileged"
                + " container can only map itself (" + kind + " " + own + ")");
        }
    }

    private static boolean covers(List<IdMapEntry> map, long id) {
        for (IdMapEntry e : map) {
            if (id >= e.container() && id < e.container() + e.size()) {
                return true;
            }
        }
        return false;
    }

    private static List<GroupId> groupsOf(Credential c) {
        List<GroupId> all = new ArrayList<>();
        all.add(new GroupId(c.gid(), c.group()));
        for (GroupId g : c.groups()) {
            if (g.gid() != c.gid()) {
                all.add(g);
            }
        }
        return all;
    }

    private static IsolationException invalid(String message) {
        return new IsolationException("validate", message);
    }
}
