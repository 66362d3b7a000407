package io.corral.app.internal.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.corral.api.app.ConfigurationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict JSON to a Gson tree, with NGINX Unit's sentences for what is wrong
 * (nxt_conf_json_parse) and the line and column where: no trailing comma
 * or data, no duplicate member; comments as Unit 1.16+ skips them
 * ({@code /* ... *}{@code /} and {@code // ...} up to a newline, wherever
 * whitespace may be); integers are kept apart from
 * fractional numbers (a {@link BigInteger} or a {@link BigDecimal} inside
 * the primitive), because Unit's rules tell the two apart.
 *
 * <p>Limits keep a hostile document from costing more than its size: the
 * document's bytes, the nesting depth (the parser recurses once per level),
 * the length of a number.
 */
public final class JsonText {

    /** Far above any sensible configuration; what a spawn can carry (192 KiB an application) is the real bound. */
    public static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
    /** A Corral document nests six levels deep; 32 leave room and keep the recursion shallow. */
    public static final int MAX_DEPTH = 32;
    /** Unit allows 14 characters; an rlimit needs 19 digits. */
    static final int MAX_NUMBER_LENGTH = 64;

    static final String EMPTY = "An empty JSON payload isn't allowed. It must be either a literal (null, true, or"
        + " false), a number, a string (in double quotes \"\"), an array (with brackets []), or an object (with"
        + " braces {}).";
    static final String VALUE_EXPECTED = "A valid JSON value is expected here. It must be either a literal (null,"
        + " true, or false), a number, a string (in double quotes \"\"), an array (with brackets []), or an object"
        + " (with braces {}).";
    static final String TRAILING = "Unexpected character after the end of a valid JSON value.";
    static final String OBJECT_UNCLOSED = "Unexpected end of JSON payload. There's an object without a closing"
        + " brace (}).";
    static final String NAME_EXPECTED = "A double quote (\") is expected here. There must be a valid JSON object"
        + " member starts with a name, which is a string enclosed in double quotes.";
    static final String MEMBER_WITHOUT_VALUE = "Unexpected end of JSON payload. There's an object member without"
        + " a value.";
    static final String COLON_EXPECTED = "A colon (:) is expected here. There must be a colon after a JSON member"
        + " name.";
    static final String OBJECT_SEPARATOR = "Either a closing brace (}) or a comma (,) is expected here. Each JSON"
        + " object must be enclosed in braces and its members must be separated by commas.";
    static final String ARRAY_UNCLOSED = "Unexpected end of JSON payload. There's an array without a closing"
        + " bracket (]).";
    static final String ARRAY_SEPARATOR = "Either a closing bracket (]) or a comma (,) is expected here. Each array"
        + " must be enclosed in brackets and its members must be separated by commas.";
    static final String STRING_UNCLOSED = "Unexpected end of JSON payload. There's a string without a final double"
        + " quote (\").";
    static final String CONTROL_CHARACTER = "Unexpected character. All control characters in a JSON string must be"
        + " escaped.";
    static final String BACKSLASH = "Unexpected backslash. A literal backslash in a JSON string must be escaped"
        + " with a second backslash (\\\\).";
    static final String BAD_ESCAPE = "Invalid escape sequence. An escape sequence in a JSON string must start with"
        + " a backslash, followed by the lowercase letter u, followed by four hexadecimal digits (\\uXXXX).";
    static final String BAD_SURROGATE = "Invalid JSON encoding sequence. This 6-byte sequence does not represent"
        + " a valid UTF character.";
    static final String BAD_SURROGATE_PAIR = "Invalid JSON encoding sequence. This 12-byte sequence composes an"
        + " illegal UTF-16 surrogate pair.";
    static final String FRACTION = "The number is invalid. A fraction part in JSON numbers must contain at least"
        + " one digit.";
    static final String LEADING_ZEROS = "The number is invalid. Leading zeros are not allowed in JSON numbers.";
    static final String EXPONENT = "The number is invalid. An exponent part in JSON numbers must contain at least"
        + " one digit.";
    static final String NUMBER_TOO_LONG = "The number is too long. Such a long JSON number value is not supported.";
    static final String OUT_OF_RANGE = "The number is out of representable range. Such JSON number value is not"
        + " supported.";
    static final String TOO_DEEP = "The nesting is too deep. JSON objects and arrays nested more than " + MAX_DEPTH
        + " levels deep are not supported.";

    private final String text;
    private int pos;
    private int depth;

    private JsonText(String text) {
        this.text = text;
    }

    /** A document as stored: UTF-8 bytes, with or without a byte order mark (Unit skips it too). */
    public static JsonElement parse(byte[] utf8) throws ConfigurationException {
        checkSize(utf8.length);
        String text;
        try {
            text = decode(utf8);
        } catch (InvalidJsonException e) {
            // Unit reads bytes and never decodes a comment; so a comment may hold any byte.
            byte[] blanked = CommentBytes.blankNonAscii(utf8);
            if (blanked == null) {
                throw e;
            }
            text = decode(blanked);
        }
        return new JsonText(text.startsWith("\uFEFF") ? text.substring(1) : text).document();
    }

    public static JsonElement parse(String text) throws ConfigurationException {
        checkSize(text.getBytes(StandardCharsets.UTF_8).length);
        return new JsonText(text).document();
    }

    public static void checkSize(long bytes) throws ConfigurationException {
        if (bytes > MAX_DOCUMENT_BYTES) {
            throw new ConfigurationException("", "The configuration must not exceed " + MAX_DOCUMENT_BYTES
                + " bytes (" + MAX_DOCUMENT_BYTES / (1024 * 1024) + " MiB). Got " + bytes + " bytes.");
        }
    }

    /** Strict UTF-8: a malformed sequence is an error at its place, never a replacement character. */
    private static String decode(byte[] utf8) throws InvalidJsonException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(utf8);
        CharBuffer out = CharBuffer.allocate(utf8.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            String before = out.flip().toString();
            StringBuilder bytes = new StringBuilder();
            for (int i = 0; i < r.length(); i++) {
                bytes.append(i == 0 ? "" : " ").append(String.format("0x%02X", utf8[in.position() + i] & 0xff));
            }
            throw new JsonText(before).error(before.length(), "Invalid UTF-8. The byte" + (r.length() > 1 ? "s " : " ")
                + bytes + (r.length() > 1 ? " are" : " is") + " not valid UTF-8 here; the configuration must be"
                + " UTF-8 text.");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    private JsonElement document() throws InvalidJsonException {
        skipSpace();
        if (atEnd()) {
            throw error(0, EMPTY);
        }
        JsonElement root = value();
        skipSpace();
        if (!atEnd()) {
            throw error(pos, TRAILING);
        }
        return root;
    }

    /** A value at {@code pos}, which is not the end. */
    private JsonElement value() throws InvalidJsonException {
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return new JsonPrimitive(string());
            case 't':
                return literal("true", new JsonPrimitive(true));
            case 'f':
                return literal("false", new JsonPrimitive(false));
            case 'n':
                return literal("null", JsonNull.INSTANCE);
            default:
                if (c == '-' || isDigit(c)) {
                    return number();
                }
                throw error(pos, VALUE_EXPECTED);
        }
    }

    private JsonElement literal(String word, JsonElement value) throws InvalidJsonException {
        if (!text.startsWith(word, pos)) {
            throw error(pos, VALUE_EXPECTED);
        }
        pos += word.length();
        return value;
    }

    private JsonObject object() throws InvalidJsonException {
        enter();
        JsonObject o = new JsonObject();
        pos++;
        skipSpace();
        if (!atEnd() && text.charAt(pos) == '}') {
            pos++;
            depth--;
            return o;
        }
        while (true) {
            if (atEnd()) {
                throw error(pos, OBJECT_UNCLOSED);
            }
            if (text.charAt(pos) != '"') {
                throw error(pos, NAME_EXPECTED);
            }
            int at = pos;
            String name = string();
            if (o.has(name)) {
                throw error(at, "Duplicate object member. All JSON object members must have unique names. Got \""
                    + name + "\" twice.");
            }
            skipSpace();
            if (atEnd()) {
                throw error(pos, MEMBER_WITHOUT_VALUE);
            }
            if (text.charAt(pos) != ':') {
                throw error(pos, COLON_EXPECTED);
            }
            pos++;
            skipSpace();
            if (atEnd()) {
                throw error(pos, MEMBER_WITHOUT_VALUE);
            }
            o.add(name, value());
            skipSpace();
            if (atEnd()) {
                throw error(pos, OBJECT_UNCLOSED);
            }
            char c = text.charAt(pos++);
            if (c == '}') {
                depth--;
                return o;
            }
            if (c != ',') {
                throw error(pos - 1, OBJECT_SEPARATOR);
            }
            skipSpace();
        }
    }

    private JsonArray array() throws InvalidJsonException {
        enter();
        JsonArray a = new JsonArray();
        pos++;
        skipSpace();
        if (!atEnd() && text.charAt(pos) == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            if (atEnd()) {
                throw error(pos, ARRAY_UNCLOSED);
            }
            a.add(value());
            skipSpace();
            if (atEnd()) {
                throw error(pos, ARRAY_UNCLOSED);
            }
            char c = text.charAt(pos++);
            if (c == ']') {
                depth--;
                return a;
            }
            if (c != ',') {
                throw error(pos - 1, ARRAY_SEPARATOR);
            }
            skipSpace();
        }
    }

    private void enter() throws InvalidJsonException {
        if (++depth > MAX_DEPTH) {
            throw error(pos, TOO_DEEP);
        }
    }

    /** The string at {@code pos}, which is its opening quote. */
    private String string() throws InvalidJsonException {
        StringBuilder b = new StringBuilder();
        pos++;
        while (true) {
            if (atEnd()) {
                throw error(pos, STRING_UNCLOSED);
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return b.toString();
            }
            if (c < ' ') {
                throw error(pos, CONTROL_CHARACTER);
            }
            if (c != '\\') {
                b.append(c);
                pos++;
                continue;
            }
            if (pos + 1 == text.length()) {
                throw error(pos + 1, STRING_UNCLOSED);
            }
            char e = text.charAt(pos + 1);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    escapedCharacter(b);
                    continue;
                }
                default -> throw error(pos, BACKSLASH);
            }
            pos += 2;
        }
    }

    /** {@code \}{@code uXXXX} at {@code pos}, or a surrogate pair of two, as Unit checks them. */
    private void escapedCharacter(StringBuilder b) throws InvalidJsonException {
        int start = pos;
        int unit = hex4(pos + 2);
        pos += 6;
        if (!Character.isSurrogate((char) unit)) {
            b.append((char) unit);
            return;
        }
        if (Character.isLowSurrogate((char) unit) || !text.startsWith("\\u", pos)) {
            throw error(start, BAD_SURROGATE);
        }
        int low = hex4(pos + 2);
        if (!Character.isLowSurrogate((char) low)) {
            throw error(start, BAD_SURROGATE_PAIR);
        }
        pos += 6;
        b.append((char) unit).append((char) low);
    }

    private int hex4(int at) throws InvalidJsonException {
        int n = 0;
        for (int i = at; i < at + 4; i++) {
            if (i == text.length()) {
                throw error(i, STRING_UNCLOSED);
            }
            int d = hexDigit(text.charAt(i));
            if (d < 0) {
                throw error(i, BAD_ESCAPE);
            }
            n = n << 4 | d;
        }
        return n;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** A number at {@code pos}: {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}, then a delimiter. */
    private JsonElement number() throws InvalidJsonException {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        int digits = pos;
        skipDigits();
        if (pos == digits) {
            throw error(start, VALUE_EXPECTED);
        }
        if (pos - digits > 1 && text.charAt(digits) == '0') {
            throw error(digits, LEADING_ZEROS);
        }
        boolean fractional = false;
        if (!atEnd() && text.charAt(pos) == '.') {
            pos++;
            fractional = true;
            int fraction = pos;
            skipDigits();
            if (pos == fraction) {
                throw error(digits, FRACTION);
            }
        }
        if (!atEnd() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            pos++;
            fractional = true;
            if (!atEnd() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
                pos++;
            }
            int exponent = pos;
            skipDigits();
            if (pos == exponent) {
                throw error(start, EXPONENT);
            }
        }
        if (!atEnd() && " \t\r\n,}]/".indexOf(text.charAt(pos)) < 0) {
            throw error(start, VALUE_EXPECTED);
        }
        if (pos - start > MAX_NUMBER_LENGTH) {
            throw error(start, NUMBER_TOO_LONG);
        }
        String n = text.substring(start, pos);
        try {
            return new JsonPrimitive(fractional ? new BigDecimal(n) : new BigInteger(n));
        } catch (NumberFormatException | ArithmeticException e) {
            throw error(start, OUT_OF_RANGE);
        }
    }

    private void skipDigits() {
        while (!atEnd() && isDigit(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Whitespace and comments, as nxt_conf_json_skip_space: a slash that
     * starts no comment, or a comment never closed (a {@code //} comment
     * too, when no newline ends it), stops here at its slash, so the caller
     * names what it expected there, as Unit does.
     */
    private void skipSpace() {
        while (!atEnd()) {
            char c = text.charAt(pos);
            if (c == '/') {
                int after = commentEnd(pos);
                if (after < 0) {
                    return;
                }
                pos = after;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    /** Where the comment whose slash is at {@code at} ends, or -1 when none starts there or it is not closed. */
    private int commentEnd(int at) {
        if (at + 1 >= text.length()) {
            return -1;
        }
        char kind = text.charAt(at + 1);
        if (kind == '/') {
            int newline = text.indexOf('\n', at + 2);
            return newline < 0 ? -1 : newline + 1;
        }
        if (kind == '*') {
            int close = text.indexOf("*/", at + 2);
            return close < 0 ? -1 : close + 2;
        }
        return -1;
    }

    private boolean atEnd() {
        return pos == text.length();
    }

    /** Where {@code at} is as Unit's controller says it: lines from 1, columns in characters from 1. */
    private InvalidJsonException error(int at, String detail) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new InvalidJsonException(detail, line, 1 + text.codePointCount(lineStart, at));
    }
}
