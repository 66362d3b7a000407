package io.corral.credential.internal;

import static org.junit.Assert.assertEquals;

/**
 * The account the comparison tests need and no system has: user
 * {@value #USER} (primary group {@value #USER}) in the three supplementary
 * groups corralg1, corralg2, corralg3. Made by root only; creating it again
 * over what an interrupted run left behind resets it to this shape.
 */
final class TestAccounts {

    static final String USER = "corraltest";
    static final String[] SUPPLEMENTARY = {"corralg1", "corralg2", "corralg3"};

    private TestAccounts() {
    }

    static void create() {
        String groups = String.join(",", SUPPLEMENTARY);
        String script = "set -e\n"
            + "for g in " + USER + " " + String.join(" ", SUPPLEMENTARY) + "; do groupadd -f \"$g\"; done\n"
            + "if getent passwd " + USER + " >/dev/null; then\n"
            + "  usermod -g " + USER + " -G " + groups + " " + USER + "\n"
            + "else\n"
            + "  useradd -M -d /nonexistent -s /usr/sbin/nologin -g " + USER + " -G " + groups + " " + USER + "\n"
            + "fi\n";
        SystemTools.Result r = SystemTools.run("sh", "-c", script);
        assertEquals("creating the test account failed: " + r.err(), 0, r.status());
    }

    /** Removes the account and its groups; what is already gone is fine. */
    static void remove() {
        SystemTools.run("userdel", USER);
        SystemTools.run("groupdel", USER);
        for (String g : SUPPLEMENTARY) {
            SystemTools.run("groupdel", g);
        }
    }
}
