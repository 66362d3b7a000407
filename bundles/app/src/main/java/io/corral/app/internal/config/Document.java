package io.corral.app.internal.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A validated configuration document: its applications in the document's order. */
public record Document(Map<String, AppConfig> applications, JsonObject json) {

    public static final Document EMPTY = new Document(Map.of(), emptyJson());

    public Document {
        applications = Collections.unmodifiableMap(new LinkedHashMap<>(applications));
        json = json.deepCopy();
    }

    private static JsonObject emptyJson() {
        JsonObject root = new JsonObject();
        root.add("applications", new JsonObject());
        return root;
    }

    /** The document as an operator would write it. */
    public String toText() {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json) + "\n";
    }

    /** A copy: the document is immutable. */
    @Override
    public JsonObject json() {
        return json.deepCopy();
    }
}
