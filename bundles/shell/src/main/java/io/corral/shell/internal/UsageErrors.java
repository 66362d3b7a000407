package io.corral.shell.internal;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Gogo has no answer of its own for an operator: a request for a
 * command's help ({@code corral:kill --help}, {@code help corral:kill}), and
 * a call Gogo cannot match to the command's arguments, which Gogo reports as
 * {@code Cannot coerce kill() to any of [(int, String[])]}. Both get the
 * command's usage.
 */
final class UsageErrors {

    /** The exit status of a call with wrong or missing arguments, as shells use it. */
    static final int USAGE_STATUS = 2;

    private static final Pattern HELP = Pattern.compile(
        "\\s*(?:help\\s+([\\w:-]+)|([\\w:-]+)\\s+(?:--help|-h))\\s*;?\\s*");
    private static final Pattern COERCION = Pattern.compile("Cannot coerce ([\\w$-]+)\\(");

    /**
     * A command's own refusal of a missing, unknown or extra argument, by the convention of its
     * hand-read options; a wrong value stays the one line that names it.
     */
    private static final Pattern REFUSAL = Pattern.compile("(corral:[\\w-]+): (?:missing|unknown option"
        + "|unknown argument|unexpected argument) .*\\(see: help \\1\\)");

    private UsageErrors() {
    }

    /** The help a command line asks for, when the whole line is such a request for a corral: command. */
    static Optional<String> help(String line) {
        Matcher m = HELP.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        return CorralCommands.usage(m.group(1) != null ? m.group(1) : m.group(2)).map(CommandUsage::help);
    }

    /** What to print for a failure Gogo made of the arguments; empty when the failure is the command's own. */
    static Optional<String> usage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            Matcher m = message == null ? null : COERCION.matcher(message);
            if (m != null && m.lookingAt()) {
                String function = m.group(1);
                return Optional.of(CorralCommands.usage(function).map(CommandUsage::usage)
                    .orElse("Error: wrong arguments for " + function + " (see: help " + function + ")"));
            }
        }
        // The one problem the command named, then its usage.
        String text = ErrorText.of(failure);
        Matcher refused = REFUSAL.matcher(text);
        if (refused.matches()) {
            return CorralCommands.usage(refused.group(1)).map(u -> "Error: " + text + "\n" + u.usage());
        }
        return Optional.empty();
    }
}
