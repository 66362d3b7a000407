package io.corral.app.internal.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.corral.api.app.ConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Strict JSON to a Gson tree: no comments, no trailing data, no duplicate
 * member, and integers kept apart from fractional numbers (a
 * {@link BigInteger} or a {@link BigDecimal} inside the primitive), because
 * Unit's rules tell the two apart.
 */
public final class JsonText {

    private JsonText() {
    }

    public static JsonElement parse(String text) throws ConfigurationException {
        if (text.isBlank()) {
            throw invalid("the document is empty");
        }
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        try {
            JsonElement root = read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw invalid("unexpected data after the end of the document" + where(reader));
            }
            return root;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            // Gson appends a link to its troubleshooting guide on a second line.
            throw invalid(message.lines().findFirst().orElse(message));
        }
    }

    private static JsonElement read(JsonReader r) throws IOException, ConfigurationException {
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (o.has(name)) {
                        throw invalid("duplicate object member \"" + name + "\"" + where(r));
                    }
                    o.add(name, read(r));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(read(r));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                String n = r.nextString();
                boolean fractional = n.indexOf('.') >= 0 || n.indexOf('e') >= 0 || n.indexOf('E') >= 0;
                return new JsonPrimitive(fractional ? new BigDecimal(n) : new BigInteger(n));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw invalid("unexpected " + r.peek() + where(r));
        }
    }

    private static String where(JsonReader r) {
        // JsonReader's own location text: " at line L column C path $.x".
        String s = r.toString();
        int at = s.indexOf(" at line ");
        return at >= 0 ? s.substring(at) : "";
    }

    private static ConfigurationException invalid(String detail) {
        return new ConfigurationException("", "Invalid JSON: " + detail + ".");
    }
}
