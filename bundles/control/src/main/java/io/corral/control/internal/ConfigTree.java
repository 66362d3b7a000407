package io.corral.control.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * NGINX Unit's edits of a configuration tree by path (nxt_conf_op_compile):
 * every step but the last must exist; an object member is created or
 * replaced; an array element is replaced, or appended when its index is the
 * array's length; POST appends to an existing array. Each edit returns a new
 * tree and leaves the given one as it was.
 */
final class ConfigTree {

    private ConfigTree() {
    }

    /** The value at {@code path}, or null when there is none. */
    static JsonElement get(JsonElement root, List<String> path) {
        JsonElement node = root;
        for (String token : path) {
            node = child(node, token);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** PUT: {@code value} at {@code path}; the empty path replaces the whole tree. */
    static JsonElement put(JsonElement root, List<String> path, JsonElement value) throws ControlError {
        if (path.isEmpty()) {
            return value.deepCopy();
        }
        JsonElement copy = root.deepCopy();
        JsonElement parent = parentOf(copy, path);
        String last = path.get(path.size() - 1);
        if (parent.isJsonObject() && !last.isEmpty()) {
            parent.getAsJsonObject().add(last, value.deepCopy());
        } else if (parent.isJsonArray()) {
            JsonArray array = parent.getAsJsonArray();
            int index = index(last);
            if (index < 0 || index > array.size()) {
                throw ControlError.notFound();
            }
            if (index == array.size()) {
                array.add(value.deepCopy());
            } else {
                array.set(index, value.deepCopy());
            }
        } else {
            throw ControlError.notFound();
        }
        return copy;
    }

    /** POST: {@code value} appended to the array at {@code path}. */
    static JsonElement post(JsonElement root, List<String> path, JsonElement value) throws ControlError {
        if (path.isEmpty()) {
            throw new ControlError(405, ControlError.NOT_ALLOWED);
        }
        JsonElement copy = root.deepCopy();
        JsonElement target = get(copy, path);
        if (target == null) {
            throw ControlError.notFound();
        }
        if (!target.isJsonArray()) {
            throw new ControlError(405, ControlError.NOT_ALLOWED);
        }
        target.getAsJsonArray().add(value.deepCopy());
        return copy;
    }

    /** DELETE: the value at {@code path} removed; the empty path leaves an empty object. */
    static JsonElement delete(JsonElement root, List<String> path) throws ControlError {
        if (path.isEmpty()) {
            return new JsonObject();
        }
        JsonElement copy = root.deepCopy();
        JsonElement parent = parentOf(copy, path);
        String last = path.get(path.size() - 1);
        if (child(parent, last) == null) {
            throw ControlError.notFound();
        }
        if (parent.isJsonObject()) {
            parent.getAsJsonObject().remove(last);
        } else {
            parent.getAsJsonArray().remove(index(last));
        }
        return copy;
    }

    /** The container of the last step: every step before it must exist. */
    private static JsonElement parentOf(JsonElement root, List<String> path) throws ControlError {
        JsonElement parent = get(root, path.subList(0, path.size() - 1));
        if (parent == null) {
            throw ControlError.notFound();
        }
        return parent;
    }

    private static JsonElement child(JsonElement node, String token) {
        if (token.isEmpty()) {
            return null;
        }
        if (node.isJsonObject()) {
            return node.getAsJsonObject().get(token);
        }
        if (node.isJsonArray()) {
            int index = index(token);
            JsonArray array = node.getAsJsonArray();
            return index >= 0 && index < array.size() ? array.get(index) : null;
        }
        return null;
    }

    /** A decimal array index as Unit parses it (nxt_int_parse), or -1. */
    private static int index(String token) {
        if (token.isEmpty() || token.length() > 10) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n > Integer.MAX_VALUE ? -1 : (int) n;
    }
}
