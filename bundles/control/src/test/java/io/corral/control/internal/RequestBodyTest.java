package io.corral.control.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** Bodies as Unit's controller takes them: BOM, comments, strict JSON, and its error shape. */
public class RequestBodyTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String refusal(String body) {
        try {
            RequestBody.parse(bytes(body));
            fail("accepted: " + body);
            return null;
        } catch (ControlError e) {
            assertEquals(400, e.status());
            return e.body().toString();
        }
    }

    @Test
    public void commentsAndAByteOrderMarkAreSkipped() throws ControlError {
        assertEquals(JsonParser.parseString("{\"a\": \"/* kept */\", \"b\": [1]}"), RequestBody.parse(bytes(
            "\uFEFF{ // a line comment\n \"a\": \"/* kept */\", /* a block\n comment */ \"b\": [1]}")));
    }

    @Test
    public void aTruncatedBodyIsRefusedWithUnitsTitleDetailAndLocation() {
        assertEquals("{\"error\":\"Invalid JSON.\",\"detail\":\"Unexpected end of JSON payload.\","
            + "\"location\":{\"offset\":19,\"line\":1,\"column\":20}}", refusal("{\"type\":\"external\","));
    }

    @Test
    public void lenientJsonIsRefused() {
        assertEquals("{\"error\":\"Invalid JSON.\",\"detail\":\"Malformed JSON here: names and strings must be in"
            + " double quotes, with no trailing comma.\",\"location\":{\"offset\":2,\"line\":1,\"column\":3}}",
            refusal("{type: \"external\"}"));
        assertEquals("{\"error\":\"Invalid JSON.\",\"detail\":\"Unexpected character after the end of a valid JSON"
            + " value.\"}", refusal("{} {}"));
        assertEquals("{\"error\":\"Invalid JSON.\",\"detail\":\"Unexpected end of JSON payload.\","
            + "\"location\":{\"offset\":0,\"line\":1,\"column\":1}}", refusal(""));
    }

    @Test
    public void aMemberNamedTwiceIsRefusedAsUnitRefusesIt() {
        String refusal = refusal("{\"a\": 1, \"a\": 2}");
        assertEquals(refusal, true, refusal.startsWith("{\"error\":\"Invalid JSON.\",\"detail\":\"Duplicate object"
            + " member.  All JSON object members must have unique names.\",\"location\":{"));
    }

    @Test
    public void numbersKeepTheirValue() throws ControlError {
        assertEquals("{\"n\":2,\"f\":0.5,\"big\":12345678901234567890}",
            RequestBody.parse(bytes("{\"n\": 2, \"f\": 0.5, \"big\": 12345678901234567890}")).toString());
    }

    @Test
    public void aBodyThatIsNotUtf8IsRefused() {
        try {
            RequestBody.parse(new byte[] {'"', (byte) 0xff, '"'});
            fail();
        } catch (ControlError e) {
            assertEquals("{\"error\":\"Invalid JSON.\",\"detail\":\"The body is not UTF-8 text.\"}", e.body().toString());
        }
    }
}
