package io.corral.control.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request's JSON body as Unit's controller takes it: a UTF-8 byte order
 * mark skipped, comments ({@code /* ... *}{@code /} and {@code //} to the end
 * of the line, Unit 1.16+) taken for white space, then strict JSON with
 * nothing after the value. A body that is no JSON is refused with Unit's
 * {@code "Invalid JSON."}, what is wrong, and where (offset, line, column).
 */
final class RequestBody {

    /** Unit's controller takes bodies up to 8 MiB. */
    static final int MAX_BYTES = 8 * 1024 * 1024;
    private static final Pattern WHERE = Pattern.compile(" at line (\\d+) column (\\d+)( path \\S*)?");

    private RequestBody() {
    }

    static JsonElement parse(byte[] body) throws ControlError {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new ControlError(400, ControlError.INVALID_JSON, "The body is not UTF-8 text.");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String plain = withoutComments(text);
        if (plain.isBlank()) {
            throw new ControlError(400, ControlError.INVALID_JSON, "Unexpected end of JSON payload.",
                location(text, text.length()));
        }
        JsonReader reader = new JsonReader(new StringReader(plain));
        reader.setStrictness(Strictness.STRICT);
        try {
            JsonElement value = read(reader, text);
            boolean trailing;
            try {
                trailing = reader.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException e) {
                trailing = true; // a strict reader refuses a second value in its own words
            }
            if (trailing) {
                throw new ControlError(400, ControlError.INVALID_JSON,
                    "Unexpected character after the end of a valid JSON value.", null);
            }
            return value;
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw invalid(text, e);
        }
    }

    /** One value, read as Unit does: a member name twice in one object is refused. */
    private static JsonElement read(JsonReader r, String text) throws IOException, ControlError {
        switch (r.peek()) {
            case BEGIN_OBJECT: {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (o.has(name)) {
                        throw at(text, r, "Duplicate object member.  All JSON object members must have unique names.");
                    }
                    o.add(name, read(r, text));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY: {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(read(r, text));
                }
                r.endArray();
                return a;
            }
            case STRING:
                return new JsonPrimitive(r.nextString());
            case NUMBER:
                return new JsonPrimitive(new BigDecimal(r.nextString()));
            case BOOLEAN:
                return new JsonPrimitive(r.nextBoolean());
            case NULL:
                r.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new IOException("Unexpected " + r.peek() + r.toString().replaceFirst("^JsonReader", ""));
        }
    }

    /** An error where the reader stands (its description says the line and column). */
    private static ControlError at(String text, JsonReader r, String detail) {
        Matcher m = WHERE.matcher(r.toString());
        JsonObject location = m.find() ? location(text, offset(text, Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)))) : null;
        return new ControlError(400, ControlError.INVALID_JSON, detail, location);
    }

    /** Gson's sentence without its position and link, and the position in Unit's terms. */
    private static ControlError invalid(String text, Exception e) {
        Throwable cause = e.getCause() != null && e.getMessage() != null && e.getMessage().startsWith("com.google")
            ? e.getCause() : e;
        String message = String.valueOf(cause.getMessage());
        int see = message.indexOf("\nSee ");
        if (see >= 0) {
            message = message.substring(0, see);
        }
        JsonObject location = null;
        Matcher m = WHERE.matcher(message);
        if (m.find()) {
            int line = Integer.parseInt(m.group(1));
            int column = Integer.parseInt(m.group(2));
            message = message.substring(0, m.start()) + message.substring(m.end());
            location = location(text, offset(text, line, column));
        }
        message = message.trim();
        if (message.contains("setStrictness")) {
            // Gson's advice is for programmers; the operator needs the rule.
            message = "Malformed JSON here: names and strings must be in double quotes, with no trailing comma.";
        } else if (message.startsWith("End of input")) {
            message = "Unexpected end of JSON payload.";
        }
        if (!message.endsWith(".")) {
            message += ".";
        }
        return new ControlError(400, ControlError.INVALID_JSON, message, location);
    }

    private static int offset(String text, int line, int column) {
        int offset = 0;
        for (int l = 1; l < line && offset < text.length(); l++) {
            int nl = text.indexOf('\n', offset);
            offset = nl < 0 ? text.length() : nl + 1;
        }
        return Math.min(text.length(), offset + Math.max(0, column - 1));
    }

    private static JsonObject location(String text, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("offset", offset);
        o.addProperty("line", line);
        o.addProperty("column", offset - lineStart + 1);
        return o;
    }

    /**
     * The text with each comment made spaces (its newlines kept), so that
     * positions stay where they were. Strings are followed with their
     * escapes: a slash inside one starts no comment.
     */
    static String withoutComments(String text) {
        StringBuilder out = new StringBuilder(text);
        int i = 0;
        while (i < out.length()) {
            char c = out.charAt(i);
            if (c == '"') {
                i++;
                while (i < out.length() && out.charAt(i) != '"') {
                    i += out.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (c == '/' && i + 1 < out.length() && (out.charAt(i + 1) == '/' || out.charAt(i + 1) == '*')) {
                boolean line = out.charAt(i + 1) == '/';
                int end = line ? out.indexOf("\n", i) : out.indexOf("*/", i + 2);
                int stop = end < 0 ? out.length() : line ? end : end + 2;
                for (int j = i; j < stop; j++) {
                    if (out.charAt(j) != '\n') {
                        out.setCharAt(j, ' ');
                    }
                }
                i = stop;
            } else {
                i++;
            }
        }
        return out.toString();
    }
}
