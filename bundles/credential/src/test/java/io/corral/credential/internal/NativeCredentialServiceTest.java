package io.corral.credential.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.GroupId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The service against id(1) and getent(1), with the JVM's identity checked
 * around every lookup, failed ones included.
 */
public class NativeCredentialServiceTest {

    /** A uid and gid no test machine has an entry for (below (uid_t) -1, above any allocator's range). */
    private static final String UNUSED_ID = "3999999999";

    private static boolean root;
    private final NativeCredentialService service = new NativeCredentialService();

    @BeforeClass
    public static void createTestAccount() {
        root = SystemTools.isRoot();
        if (root) {
            TestAccounts.create();
        }
    }

    @AfterClass
    public static void removeTestAccount() {
        if (root) {
            TestAccounts.remove();
        }
    }

    /** Resolves, asserting that the JVM's identity is the same before and after. */
    private Credential resolve(String user, String group) throws CredentialException {
        JvmIdentity before = JvmIdentity.now();
        try {
            return service.resolve(user, group);
        } finally {
            assertEquals("the JVM's identity after resolving " + user + "/" + group, before, JvmIdentity.now());
        }
    }

    /** The message of the error resolving gives, with the identity check of {@link #resolve}. */
    private String errorOf(String user, String group) {
        try {
            Credential c = resolve(user, group);
            fail("resolving " + user + "/" + group + " gave " + c.toIdString() + ", expected an error");
            return null;
        } catch (CredentialException e) {
            return e.getMessage();
        }
    }

    /** Everything id(1) and getent(1) say about {@code user} matches what the service resolved. */
    private static void assertSameAsId(String user, Credential c) {
        assertEquals("id " + user, SystemTools.id("", user), c.toIdString());
        assertEquals("id -u " + user, SystemTools.id("-u", user), Integer.toUnsignedString(c.uid()));
        assertEquals("id -g " + user, SystemTools.id("-g", user), Integer.toUnsignedString(c.gid()));
        assertEquals("id -un " + user, SystemTools.id("-un", user), c.user());
        assertEquals("id -gn " + user, SystemTools.id("-gn", user), c.group());
        assertEquals("id -G " + user, SystemTools.idGroups(user), c.groups().stream().map(GroupId::gid).toList());
        assertEquals("id -Gn " + user, SystemTools.id("-Gn", user),
            String.join(" ", c.groups().stream().map(GroupId::name).toList()));
        assertEquals("home of " + user, SystemTools.getentField("passwd", user, 5), c.home());
    }

    @Test
    public void rootIsWhatIdSays() throws Exception {
        Credential root = resolve("root", null);
        assertSameAsId("root", root);
        assertEquals(0, root.uid());
    }

    @Test
    public void nobodyIsWhatIdSays() throws Exception {
        Credential nobody = resolve("nobody", null);
        assertSameAsId("nobody", nobody);
        assertNotEquals(0, nobody.uid());
    }

    @Test
    public void userWithThreeSupplementaryGroupsIsWhatIdSays() throws Exception {
        assumeTrue("only root can create the test account", root);
        Credential c = resolve(TestAccounts.USER, null);
        assertSameAsId(TestAccounts.USER, c);
        assertEquals(List.of(TestAccounts.USER, "corralg1", "corralg2", "corralg3"),
            c.groups().stream().map(GroupId::name).toList());
        assertEquals(3, c.supplementaryGids().length);
    }

    @Test
    public void aNumericUserIsTheUid() throws Exception {
        assertEquals(resolve("root", null), resolve("0", null));
        String nobodyUid = SystemTools.id("-u", "nobody");
        assertEquals(resolve("nobody", null), resolve(nobodyUid, null));
    }

    @Test
    public void anUnknownUserIsNamed() {
        assertEquals("user \"corral-no-such-user\" not found", errorOf("corral-no-such-user", null));
        // The oracle agrees that there is no such user.
        assertNotEquals(0, SystemTools.run("id", "corral-no-such-user").status());
    }

    @Test
    public void anUnknownGroupIsNamed() {
        assertEquals("group \"corral-no-such-group\" not found", errorOf("root", "corral-no-such-group"));
        assertNotEquals(0, SystemTools.run("getent", "group", "corral-no-such-group").status());
    }

    @Test
    public void aNumericUidWithoutPasswdEntryIsNotFound() {
        assertNotEquals("the test needs uid " + UNUSED_ID + " to be unused", 0,
            SystemTools.run("getent", "passwd", UNUSED_ID).status());
        assertEquals("user " + UNUSED_ID + " not found", errorOf(UNUSED_ID, null));
    }

    @Test
    public void aNumericGidWithoutGroupEntryIsUsedAndNamedByItsNumber() throws Exception {
        assertNotEquals("the test needs gid " + UNUSED_ID + " to be unused", 0,
            SystemTools.run("getent", "group", UNUSED_ID).status());
        Credential c = resolve("root", UNUSED_ID);
        assertEquals(UNUSED_ID, Integer.toUnsignedString(c.gid()));
        assertEquals(UNUSED_ID, c.group());
        assertEquals(new GroupId(c.gid(), UNUSED_ID), c.groups().get(0));
        // id(1)'s format for a group without a name: the number alone.
        assertTrue(c.toIdString(), c.toIdString().startsWith("uid=0(root) gid=" + UNUSED_ID + " groups=" + UNUSED_ID));
    }

    @Test
    public void anInvalidUserOrGroupIsRefusedBeforeAnyLookup() {
        assertEquals("user \"a/b\" is not valid: a name must not contain '/'", errorOf("a/b", null));
        assertEquals("user \"-1\" is not valid: a uid must not be negative (uids are 0 to 4294967294)",
            errorOf("-1", null));
        assertEquals("group \"x:y\" is not valid: a name must not contain ':'", errorOf("root", "x:y"));
        assertEquals("group \"\" is not valid: a name must not be empty", errorOf("root", ""));
        // The group is checked before the user is looked up.
        assertEquals("group \"a\\nb\" is not valid: a name must not contain a newline",
            errorOf("corral-no-such-user", "a\nb"));
        assertEquals("user is missing: give a user name or a numeric uid", errorOf(null, null));
    }

    /**
     * A group given for the user replaces the primary group as the base gid,
     * and the groups are getgrouplist(user, that gid), as in Unit: the base
     * group, then the groups listing the user as a member. The passwd primary
     * group is kept only if the group database lists the user in it.
     */
    @Test
    public void aGivenGroupIsTheBaseGroupAndTheMembershipsStay() throws Exception {
        assumeTrue("only root can create the test account", root);
        String user = TestAccounts.USER;
        Credential c = resolve(user, "corralg2");
        int corralg2 = Integer.parseInt(SystemTools.getentField("group", "corralg2", 2));
        assertEquals(corralg2, c.gid());
        assertEquals("corralg2", c.group());
        assertEquals(expectedGroupsWithBase(user, corralg2), c.groups().stream().map(GroupId::gid).toList());
        assertEquals(List.of("corralg2", "corralg1", "corralg3"), c.groups().stream().map(GroupId::name).toList());
        assertEquals("uid, user and home do not depend on the group", resolve(user, null).uid(), c.uid());
        assertEquals(c, resolve(user, Integer.toString(corralg2)));
    }

    @Test
    public void aGivenGroupForRootFollowsTheSameRule() throws Exception {
        int nogroup = Integer.parseInt(SystemTools.id("-g", "nobody"));
        Credential c = resolve("root", Integer.toString(nogroup));
        assertEquals(nogroup, c.gid());
        assertEquals(SystemTools.id("-gn", "nobody"), c.group());
        assertEquals(expectedGroupsWithBase("root", nogroup), c.groups().stream().map(GroupId::gid).toList());
    }

    /**
     * The groups Unit gives {@code user} with base group {@code gid}, from
     * id(1) and getent(1): {@code gid}, then id -G's groups except the
     * primary group unless the user is listed as a member of it.
     */
    private static List<Integer> expectedGroupsWithBase(String user, int gid) {
        List<Integer> idGroups = SystemTools.idGroups(user);
        int primary = idGroups.get(0);
        String members = SystemTools.getentField("group", Integer.toString(primary), 3);
        boolean listedInPrimary = Arrays.asList(members.split(",")).contains(user);
        List<Integer> expected = new ArrayList<>(List.of(gid));
        for (int g : idGroups) {
            if (g != gid && (g != primary || listedInPrimary) && !expected.contains(g)) {
                expected.add(g);
            }
        }
        return expected;
    }

    @Test
    public void currentIsTheJvmsOwnIdentity() {
        JvmIdentity before = JvmIdentity.now();
        Credential current = service.current();
        assertEquals(before, JvmIdentity.now());
        // A child started by the JVM has the JVM's ids; its id(1) describes them.
        assertEquals(SystemTools.output("id"), current.toIdString());
        assertEquals(before.uid(), current.uid());
        assertEquals(before.gid(), current.gid());
    }

    @Test
    public void canChangeIdsFollowsTheEffectiveUidAndCapabilities() {
        boolean expected = "0".equals(SystemTools.output("id", "-u"))
            || EffectiveCapabilities.ofThisProcess().canSetIds();
        assertEquals(expected, service.canChangeIds());
        if (root) {
            assertTrue("root may change ids", service.canChangeIds());
        }
    }

    @Test
    public void lookupsFromManyThreadsAgree() throws Exception {
        Credential root = resolve("root", null);
        Credential nobody = resolve("nobody", null);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        assertEquals(root, service.resolve("root", null));
                        assertEquals(nobody, service.resolve("nobody", null));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
    }
}
