package io.corral.app.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonElement;
import io.corral.api.app.ConfigurationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

public class JsonTextTest {

    private static String refused(byte[] document) {
        try {
            JsonText.parse(document);
        } catch (ConfigurationException e) {
            assertFalse("one line: " + e.getMessage(), e.getMessage().contains("\n"));
            return e.getMessage();
        }
        fail("must be refused: " + new String(document, StandardCharsets.UTF_8));
        return null;
    }

    private static String refused(String document) {
        String fromString;
        try {
            JsonText.parse(document);
            fail("must be refused: " + document);
            return null;
        } catch (ConfigurationException e) {
            fromString = e.getMessage();
        }
        String fromBytes = refused(document.getBytes(StandardCharsets.UTF_8));
        assertEquals("the file and ConfigAdmin's text are refused alike", fromBytes, fromString);
        return fromBytes;
    }

    private static void assertInvalid(String document, int line, int column, String detail) {
        assertEquals("Invalid JSON. Line " + line + ", column " + column + ": " + detail, refused(document));
    }

    @Test
    public void valuesAndTheKindsOfNumbers() throws Exception {
        JsonElement e = JsonText.parse("{\"a\": [1, -2.5, 3e2, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"]}");
        var a = e.getAsJsonObject().getAsJsonArray("a");
        assertEquals(BigInteger.ONE, a.get(0).getAsNumber());
        assertEquals(new BigDecimal("-2.5"), a.get(1).getAsNumber());
        assertTrue("an exponent makes a fractional number", a.get(2).getAsNumber() instanceof BigDecimal);
        assertTrue(a.get(3).getAsBoolean());
        assertTrue(a.get(5).isJsonNull());
        assertEquals("x\u00e9\ud83d\ude00\n", a.get(6).getAsString());
        assertEquals(BigInteger.valueOf(Long.MAX_VALUE),
            JsonText.parse("9223372036854775807").getAsNumber());
    }

    @Test
    public void aByteOrderMarkIsSkippedAsUnitDoes() throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        assertTrue(JsonText.parse(bom).getAsJsonObject().isEmpty());
    }

    @Test
    public void syntaxErrorsAreUnitsSentencesWithLineAndColumn() {
        assertInvalid("", 1, 1, JsonText.EMPTY);
        assertInvalid("  \n ", 1, 1, JsonText.EMPTY);
        assertInvalid("{}\n{}", 2, 1, JsonText.TRAILING);
        assertInvalid("{\"applications\": {}} x", 1, 22, JsonText.TRAILING);
        assertInvalid("{\"a\": 1,}", 1, 9, JsonText.NAME_EXPECTED);
        assertInvalid("{a: 1}", 1, 2, JsonText.NAME_EXPECTED);
        assertInvalid("{\"a\" 1}", 1, 6, JsonText.COLON_EXPECTED);
        assertInvalid("{\"a\":", 1, 6, JsonText.MEMBER_WITHOUT_VALUE);
        assertInvalid("{\"a\": 1", 1, 8, JsonText.OBJECT_UNCLOSED);
        assertInvalid("{", 1, 2, JsonText.OBJECT_UNCLOSED);
        assertInvalid("[1 2]", 1, 4, JsonText.ARRAY_SEPARATOR);
        assertInvalid("[1,]", 1, 4, JsonText.VALUE_EXPECTED);
        assertInvalid("[1,", 1, 4, JsonText.ARRAY_UNCLOSED);
        assertInvalid("{\"a\": tru}", 1, 7, JsonText.VALUE_EXPECTED);
        assertInvalid("{\"a\": 'x'}", 1, 7, JsonText.VALUE_EXPECTED);
        assertInvalid("{\"a\": \"x", 1, 9, JsonText.STRING_UNCLOSED);
        assertInvalid("{\"a\": \"x\ty\"}", 1, 9, JsonText.CONTROL_CHARACTER);
        assertInvalid("{\"a\": \"x\\qy\"}", 1, 9, JsonText.BACKSLASH);
        assertInvalid("{\"a\": \"\\u12G4\"}", 1, 12, JsonText.BAD_ESCAPE);
        assertInvalid("{\"a\": \"\\ud83d\"}", 1, 8, JsonText.BAD_SURROGATE);
        assertInvalid("{\"a\": \"\\ude00\\ud83d\"}", 1, 8, JsonText.BAD_SURROGATE);
        assertInvalid("{\"a\": \"\\ud83d\\u0041\"}", 1, 8, JsonText.BAD_SURROGATE_PAIR);
        assertInvalid("{\"applications\": {},\n \"applications\": {}}", 2, 2,
            "Duplicate object member. All JSON object members must have unique names. Got \"applications\" twice.");
    }

    @Test
    public void numbersAsUnitReadsThem() {
        assertInvalid("[01]", 1, 2, JsonText.LEADING_ZEROS);
        assertInvalid("[-01]", 1, 3, JsonText.LEADING_ZEROS);
        assertInvalid("[1.]", 1, 2, JsonText.FRACTION);
        assertInvalid("[1e]", 1, 2, JsonText.EXPONENT);
        assertInvalid("[-]", 1, 2, JsonText.VALUE_EXPECTED);
        assertInvalid("[+1]", 1, 2, JsonText.VALUE_EXPECTED);
        assertInvalid("[12abc]", 1, 2, JsonText.VALUE_EXPECTED);
        assertInvalid("[" + "9".repeat(65) + "]", 1, 2, JsonText.NUMBER_TOO_LONG);
        assertInvalid("[1e99999999999]", 1, 2, JsonText.OUT_OF_RANGE);
    }

    @Test
    public void theColumnCountsCharactersNotBytes() {
        assertInvalid("{\"é€😀\": 1,,}", 1, 11, JsonText.NAME_EXPECTED);
    }

    @Test
    public void tenThousandLevelsOfNestingAreRefusedAtTheFirstLevelTooDeep() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertInvalid(deep, 1, JsonText.MAX_DEPTH + 1, JsonText.TOO_DEEP);
        String objects = "{\"a\": ".repeat(10_000) + "1" + "}".repeat(10_000);
        assertTrue(refused(objects).endsWith(JsonText.TOO_DEEP));
    }

    @Test
    public void thirtyTwoLevelsAreFine() throws Exception {
        JsonText.parse("[".repeat(JsonText.MAX_DEPTH) + "]".repeat(JsonText.MAX_DEPTH));
    }

    @Test
    public void invalidUtf8IsNamedWithItsPlace() {
        byte[] bad = "{\"applications\": {\n  \"w\u00e9b\": x}}".getBytes(StandardCharsets.UTF_8);
        int x = new String(bad, StandardCharsets.ISO_8859_1).indexOf('x');
        bad[x] = (byte) 0xFF;
        assertEquals("Invalid JSON. Line 2, column 10: Invalid UTF-8. The byte 0xFF is not valid UTF-8 here;"
            + " the configuration must be UTF-8 text.", refused(bad));
        byte[] latin1 = "{\"a\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("Invalid JSON. Line 1, column 11: Invalid UTF-8. The byte 0xE9 is not valid UTF-8 here;"
            + " the configuration must be UTF-8 text.", refused(latin1));
    }

    @Test
    public void aDocumentBeyondTheSizeLimitIsRefusedBeforeParsing() {
        String big = "[\"" + "x".repeat(JsonText.MAX_DOCUMENT_BYTES) + "\"]";
        assertEquals("The configuration must not exceed 4194304 bytes (4 MiB). Got 4194308 bytes.", refused(big));
    }

    @Test
    public void commentsAsUnitSkipsThem() throws Exception {
        // Unit's own cases: a comment wherever whitespace may be, quotes keep "//" and "/*" in a name.
        String single = "// this is bridge\n{\n \"//app\": {\n  \"type\": \"external\", // end line\n"
            + "  // inside of block\n  \"processes\": {\"spare\": 0}\n }\n // double //\n}\n// end of json\n";
        assertEquals(JsonText.parse("{\"//app\": {\"type\": \"external\", \"processes\": {\"spare\": 0}}}"),
            JsonText.parse(single));
        String multi = "/* this is bridge */\n{\n \"/*app\": {\n /**\n  * multiple lines\n  **/\n"
            + "  \"processes\": /* inline */ {\"spare\": 0}\n  /*\n  // end of block */\n }\n"
            + " /* blah * / blah /* blah */\n}\n/* end of json */\n";
        assertEquals(JsonText.parse("{\"/*app\": {\"processes\": {\"spare\": 0}}}"), JsonText.parse(multi));
        assertEquals(BigInteger.ONE, JsonText.parse("[1/**/]").getAsJsonArray().get(0).getAsNumber());
        assertEquals(BigInteger.TWO, JsonText.parse("2// two\n").getAsNumber());
    }

    @Test
    public void aCommentMayHoldBytesThatAreNotUtf8() throws Exception {
        byte[] single = "{} // end of json \u00ef\t\n".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(JsonText.parse(single).getAsJsonObject().isEmpty());
        byte[] multi = "{\"a\": /* \u00ef\t\b */ \"/*\\\"//\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("/*\"//", JsonText.parse(multi).getAsJsonObject().get("a").getAsString());
        assertEquals("Invalid JSON. Line 1, column 8: Invalid UTF-8. The byte 0xEF is not valid UTF-8 here; the"
            + " configuration must be UTF-8 text.",
            refused("{\"a\": \"\u00ef\"} /* \u00ef */".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    public void aSlashOrAnUnclosedCommentIsRefusedWhereItStarts() {
        // Unit has no sentence of its own for these: the slash is the unexpected character.
        assertInvalid("/{}", 1, 1, JsonText.VALUE_EXPECTED);
        assertInvalid("//{}", 1, 1, JsonText.VALUE_EXPECTED);
        assertInvalid("/*{}", 1, 1, JsonText.VALUE_EXPECTED);
        assertInvalid("{} /", 1, 4, JsonText.TRAILING);
        assertInvalid("{} /*", 1, 4, JsonText.TRAILING);
        assertInvalid("{} /*/", 1, 4, JsonText.TRAILING);
        assertInvalid("{}\n// no newline ends this", 2, 1, JsonText.TRAILING);
        assertInvalid("{\"a\": 1 /* x", 1, 9, JsonText.OBJECT_SEPARATOR);
        assertInvalid("{ /* x", 1, 3, JsonText.NAME_EXPECTED);
        assertInvalid("[1, // x", 1, 5, JsonText.VALUE_EXPECTED);
        assertInvalid("/* only a comment */\n", 1, 1, JsonText.EMPTY);
    }
}
