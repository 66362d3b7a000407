package io.corral.credential.internal;

import io.corral.api.credential.CredentialException;
import java.nio.charset.StandardCharsets;

/**
 * A user or group as an operator wrote it, checked before anything is looked
 * up: a numeric id when it is all ASCII digits, else a name.
 *
 * <p>Rules, each refused with a message that names the field, the value and the rule:
 * <ul>
 * <li>names are 1 to {@value #MAX_NAME_BYTES} bytes of UTF-8: useradd's limit
 *     (utmp's {@code UT_NAMESIZE}); libc would look longer ones up, but no
 *     account tool creates them, so a longer name is a mistake;</li>
 * <li>names contain no NUL (it would cut the C string short), no ':' or
 *     newline (the field and record separators of passwd and group) and no
 *     '/' (names become paths: home directories, mail spools);</li>
 * <li>ids are 0 to {@value #MAX_ID}: {@code 4294967295} is {@code (uid_t) -1},
 *     which setuid, setgid and chown read as "no change", and there are no
 *     negative ids.</li>
 * </ul>
 * A name made only of digits is taken as an id, as for {@code id 0}; account
 * tools refuse such names.
 *
 * @param kind what the value names
 * @param name the name, or null for a numeric id
 * @param id   the id (unsigned 32-bit in an int) when {@code name} is null
 */
record NameOrId(Kind kind, String name, int id) {

    static final int MAX_NAME_BYTES = 32;
    static final long MAX_ID = 4294967294L;

    enum Kind {
        USER("user", "uid"), GROUP("group", "gid");

        final String field;
        final String idName;

        Kind(String field, String idName) {
            this.field = field;
            this.idName = idName;
        }
    }

    boolean isNumeric() {
        return name == null;
    }

    /** The value as messages show it: a name in quotes, an id as its number. */
    String display() {
        return name != null ? quote(name) : Integer.toUnsignedString(id);
    }

    /** {@code user "x"}, {@code group 100}: the subject of a message. */
    String describe() {
        return kind.field + " " + display();
    }

    /** Checks {@code value} against the rules; the exception's message names the field, value and rule. */
    static NameOrId parse(Kind kind, String value) throws CredentialException {
        if (value == null) {
            throw new CredentialException(kind.field + " is missing: give a " + kind.field + " name or a numeric "
                + kind.idName);
        }
        if (value.isEmpty()) {
            throw invalid(kind, value, "a name must not be empty");
        }
        if (value.length() > 1 && value.charAt(0) == '-' && isDigits(value.substring(1))) {
            throw invalid(kind, value, "a " + kind.idName + " must not be negative (" + idRange(kind) + ")");
        }
        if (isDigits(value)) {
            return new NameOrId(kind, null, parseId(kind, value));
        }
        checkCharacter(kind, value, '\0', "NUL");
        checkCharacter(kind, value, '/', "'/'");
        checkCharacter(kind, value, ':', "':'");
        checkCharacter(kind, value, '\n', "a newline");
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw invalid(kind, value, "a name is at most " + MAX_NAME_BYTES + " bytes, this one has " + bytes);
        }
        return new NameOrId(kind, value, 0);
    }

    private static int parseId(Kind kind, String digits) throws CredentialException {
        // More than 10 digits cannot be a 32-bit id, and would overflow a long soon after.
        long id = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
        if (id == MAX_ID + 1) {
            throw invalid(kind, digits, "4294967295 is (" + kind.idName + "_t) -1, which the kernel reads as \"no "
                + kind.field + "\" (" + idRange(kind) + ")");
        }
        if (id > MAX_ID) {
            throw invalid(kind, digits, "too large (" + idRange(kind) + ")");
        }
        return (int) id;
    }

    private static void checkCharacter(Kind kind, String value, char c, String what) throws CredentialException {
        if (value.indexOf(c) >= 0) {
            throw invalid(kind, value, "a name must not contain " + what);
        }
    }

    private static CredentialException invalid(Kind kind, String value, String rule) {
        return new CredentialException(kind.field + " " + quote(value) + " is not valid: " + rule);
    }

    private static String idRange(Kind kind) {
        return kind.idName + "s are 0 to " + MAX_ID;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** In double quotes, with quotes, backslashes and control characters escaped so the message stays one line. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\0' -> b.append("\\0");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
