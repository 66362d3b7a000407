package io.corral.shell.command;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a command's options by hand, so that repeated options work and a
 * mistake gets a message naming the option and what it needs.
 */
final class Args {

    private final String command;
    private final List<String> tokens;
    private int next;

    Args(String command, Object[] tokens) {
        this.command = command;
        this.tokens = new ArrayList<>();
        for (Object t : tokens) {
            this.tokens.add(String.valueOf(t));
        }
    }

    boolean hasNext() {
        return next < tokens.size();
    }

    /** The next token if it is an option (starts with "-" and is not a lone "-"), else null. */
    String option() {
        if (!hasNext()) {
            return null;
        }
        String t = tokens.get(next);
        if (t.equals("--")) {
            next++;
            return null;
        }
        if (t.startsWith("-") && t.length() > 1) {
            next++;
            return t;
        }
        return null;
    }

    String value(String option, String what) {
        if (!hasNext()) {
            throw error(option + " needs " + what);
        }
        return tokens.get(next++);
    }

    int intValue(String option, String what) {
        String v = value(option, what);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(option + " \"" + v + "\": " + what + " must be a whole number");
        }
    }

    String required(String what) {
        if (!hasNext()) {
            throw error("missing " + what);
        }
        return tokens.get(next++);
    }

    List<String> rest() {
        List<String> r = new ArrayList<>(tokens.subList(next, tokens.size()));
        next = tokens.size();
        return r;
    }

    void end() {
        if (hasNext()) {
            throw error("unexpected argument \"" + tokens.get(next) + "\"");
        }
    }

    IllegalArgumentException unknown(String option) {
        return error("unknown option \"" + option + "\"");
    }

    IllegalArgumentException error(String message) {
        return new IllegalArgumentException(command + ": " + message + " (see: help " + command + ")");
    }
}
