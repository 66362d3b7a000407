package io.corral.app.internal.config;

import io.corral.api.app.ConfigurationException;

/**
 * A document that is not JSON, as NGINX Unit's controller reports it:
 * {@code Invalid JSON.}, a detail, and where (line and column, both from 1;
 * the column counts characters, not bytes). Its message is one line:
 * {@code Invalid JSON. Line 3, column 7: DETAIL}.
 */
public final class InvalidJsonException extends ConfigurationException {
    private static final long serialVersionUID = 1L;

    private final String detail;
    private final int line;
    private final int column;

    InvalidJsonException(String detail, int line, int column) {
        super("", "Invalid JSON. Line " + line + ", column " + column + ": " + detail);
        this.detail = detail;
        this.line = line;
        this.column = column;
    }

    /** Unit's detail sentence, e.g. {@code Unexpected character after the end of a valid JSON value.} */
    public String detail() {
        return detail;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
