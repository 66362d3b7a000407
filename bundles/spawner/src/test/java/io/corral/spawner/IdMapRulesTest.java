package io.corral.spawner;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Host;
import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationException;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import java.util.EnumSet;
import java.util.List;
import org.junit.Test;

public class IdMapRulesTest {

    private static final Credential ROOT = new Credential(0, "root", 0, "root", List.of(new GroupId(0, "root")), "");
    private static final Credential SELF = new Credential(1000, "me", 1000, "me", List.of(new GroupId(1000, "me")), "");
    private static final Host PRIVILEGED = new Host(ROOT, true);
    private static final Host UNPRIVILEGED = new Host(SELF, false);
    private static final IsolationRequest CREDENTIAL = IsolationRequest.of(EnumSet.of(Namespace.CREDENTIAL));

    private static IsolationRequest mapped(long container, long host, long size) {
        List<IdMapEntry> map = List.of(new IdMapEntry(container, host, size));
        return new IsolationRequest(EnumSet.of(Namespace.CREDENTIAL), map, map, null, true);
    }

    private static String refusal(IsolationRequest r, Credential target, Host host) {
        return assertThrows(IsolationException.class, () -> IdMapRules.check(r, target, host)).getMessage();
    }

    @Test
    public void aCredentialNamespaceNeedsTheIdsTheChildTakesInside() {
        // A child that kept its ids would be the host's user, unmapped in its namespace.
        assertEquals("the \"credential\" namespace needs the user the child runs as inside it",
            refusal(mapped(0, 100000, 65536), null, PRIVILEGED));
    }

    @Test
    public void mapsMustCoverRootWhenRootIsWhoTheChildIsInside() {
        assertEquals("\"uidmap\" has no \"container\" entry for user \"root\" (uid 0)",
            refusal(mapped(1, 100000, 10), ROOT, PRIVILEGED));
        assertEquals(List.of(new IdMapEntry(0, 100000, 65536)),
            uncheckedCheck(mapped(0, 100000, 65536), ROOT, PRIVILEGED).uidMap());
    }

    @Test
    public void withoutMapsRootInsideIsMappedToTheCaller() {
        // As unshare -r: privileged, root to root; unprivileged, root to the caller's own ids.
        assertEquals(List.of(new IdMapEntry(0, 0, 1)), uncheckedCheck(CREDENTIAL, ROOT, PRIVILEGED).uidMap());
        IsolationRequest unprivileged = uncheckedCheck(CREDENTIAL, ROOT, UNPRIVILEGED);
        assertEquals(List.of(new IdMapEntry(0, 1000, 1)), unprivileged.uidMap());
        assertEquals(List.of(new IdMapEntry(0, 1000, 1)), unprivileged.gidMap());
    }

    @Test
    public void unitCountsTheBaseGroupAmongAnUnprivilegedUsersGroups() {
        Credential three = new Credential(1000, "me", 1000, "me",
            List.of(new GroupId(1000, "me"), new GroupId(27, "sudo"), new GroupId(100, "users")), "");
        assertEquals("an unprivileged container cannot give supplementary groups in a credential namespace"
            + " (user \"me\" has 3 groups); choose a user without them, or run Corral as root",
            refusal(mapped(1000, 1000, 1), three, UNPRIVILEGED));
    }

    private static IsolationRequest uncheckedCheck(IsolationRequest r, Credential target, Host host) {
        try {
            return IdMapRules.check(r, target, host);
        } catch (IsolationException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
