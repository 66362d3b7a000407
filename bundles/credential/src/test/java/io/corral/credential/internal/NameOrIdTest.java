package io.corral.credential.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.credential.CredentialException;
import io.corral.credential.internal.NameOrId.Kind;
import org.junit.Test;

/** Every rule of user and group arguments, with the message an operator gets. */
public class NameOrIdTest {

    private static String refusal(Kind kind, String value) {
        try {
            NameOrId parsed = NameOrId.parse(kind, value);
            fail(kind.field + " " + NameOrId.quote(value) + " was accepted as " + parsed);
            return null;
        } catch (CredentialException e) {
            return e.getMessage();
        }
    }

    @Test
    public void aNameIsKeptAsWritten() throws Exception {
        NameOrId n = NameOrId.parse(Kind.USER, "www-data");
        assertFalse(n.isNumeric());
        assertEquals("www-data", n.name());
        assertEquals("user \"www-data\"", n.describe());
        assertEquals("a.b_c$", NameOrId.parse(Kind.USER, "a.b_c$").name());
    }

    @Test
    public void digitsAreAnId() throws Exception {
        NameOrId n = NameOrId.parse(Kind.GROUP, "100");
        assertTrue(n.isNumeric());
        assertEquals(100, n.id());
        assertEquals("group 100", n.describe());
        assertEquals(0, NameOrId.parse(Kind.USER, "0").id());
        assertEquals(7, NameOrId.parse(Kind.USER, "0007").id());
    }

    @Test
    public void theLargestIdIsOneBelowMinusOne() throws Exception {
        NameOrId n = NameOrId.parse(Kind.USER, "4294967294");
        assertEquals(-2, n.id());
        assertEquals("user 4294967294", n.describe());
    }

    @Test
    public void anEmptyNameIsRefused() {
        assertEquals("user \"\" is not valid: a name must not be empty", refusal(Kind.USER, ""));
        assertEquals("group \"\" is not valid: a name must not be empty", refusal(Kind.GROUP, ""));
    }

    @Test
    public void aMissingUserIsRefused() {
        assertEquals("user is missing: give a user name or a numeric uid", refusal(Kind.USER, null));
    }

    @Test
    public void nulIsRefusedAndShownEscaped() {
        assertEquals("user \"ro\\0ot\" is not valid: a name must not contain NUL", refusal(Kind.USER, "ro\0ot"));
    }

    @Test
    public void slashIsRefused() {
        assertEquals("user \"../etc\" is not valid: a name must not contain '/'", refusal(Kind.USER, "../etc"));
        assertEquals("group \"a/b\" is not valid: a name must not contain '/'", refusal(Kind.GROUP, "a/b"));
    }

    @Test
    public void colonIsRefused() {
        assertEquals("user \"root:x\" is not valid: a name must not contain ':'", refusal(Kind.USER, "root:x"));
        assertEquals("group \"wheel:\" is not valid: a name must not contain ':'", refusal(Kind.GROUP, "wheel:"));
    }

    @Test
    public void newlineIsRefusedAndShownEscaped() {
        assertEquals("user \"root\\nevil\" is not valid: a name must not contain a newline",
            refusal(Kind.USER, "root\nevil"));
        assertEquals("group \"g\\n\" is not valid: a name must not contain a newline", refusal(Kind.GROUP, "g\n"));
    }

    @Test
    public void aNameOfMoreThan32BytesIsRefused() throws Exception {
        assertEquals(32, NameOrId.parse(Kind.USER, "a".repeat(32)).name().length());
        assertEquals("user \"" + "a".repeat(33) + "\" is not valid: a name is at most 32 bytes, this one has 33",
            refusal(Kind.USER, "a".repeat(33)));
        // Bytes, not characters: 11 euro signs are 11 characters and 33 bytes of UTF-8.
        assertEquals("group \"" + "\u20ac".repeat(11) + "\" is not valid: a name is at most 32 bytes, this one has 33",
            refusal(Kind.GROUP, "\u20ac".repeat(11)));
    }

    @Test
    public void aNegativeIdIsRefused() {
        assertEquals("user \"-1\" is not valid: a uid must not be negative (uids are 0 to 4294967294)",
            refusal(Kind.USER, "-1"));
        assertEquals("group \"-100\" is not valid: a gid must not be negative (gids are 0 to 4294967294)",
            refusal(Kind.GROUP, "-100"));
    }

    @Test
    public void minusOneAsUnsignedIsRefused() {
        assertEquals("user \"4294967295\" is not valid: 4294967295 is (uid_t) -1, which the kernel reads as "
            + "\"no user\" (uids are 0 to 4294967294)", refusal(Kind.USER, "4294967295"));
        assertEquals("group \"4294967295\" is not valid: 4294967295 is (gid_t) -1, which the kernel reads as "
            + "\"no group\" (gids are 0 to 4294967294)", refusal(Kind.GROUP, "4294967295"));
    }

    @Test
    public void anIdAbove32BitsIsRefused() {
        assertEquals("user \"4294967296\" is not valid: too large (uids are 0 to 4294967294)",
            refusal(Kind.USER, "4294967296"));
        assertEquals("group \"99999999999999999999999\" is not valid: too large (gids are 0 to 4294967294)",
            refusal(Kind.GROUP, "99999999999999999999999"));
    }

    @Test
    public void quotingKeepsAMessageOnOneLine() {
        assertEquals("\"a\\\"b\\\\c\\td\\x01\"", NameOrId.quote("a\"b\\c\td\u0001"));
    }
}
