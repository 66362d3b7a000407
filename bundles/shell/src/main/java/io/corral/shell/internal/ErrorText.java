package io.corral.shell.internal;

/** One line for an operator from an exception: its message, never a stack trace. */
final class ErrorText {

    private ErrorText() {
    }

    static String of(Throwable e) {
        Throwable t = e;
        // Gogo wraps a command's exception; the operator wants the innermost message.
        while (t.getCause() != null && t.getCause() != t
                && (t.getMessage() == null || t.getCause().getMessage() != null && t.getMessage().contains(t.getCause().getMessage()))) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName();
        }
        return withoutClassNames(message.lines().findFirst().orElse(message));
    }

    /**
     * A qualified exception name ("io.corral.api.credential.CredentialException: "), as a wrapping
     * exception's message carries its cause's, means nothing to an operator: the text after it does.
     */
    private static final java.util.regex.Pattern CLASS_NAME =
        java.util.regex.Pattern.compile("(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*)?");

    static String withoutClassNames(String message) {
        String stripped = CLASS_NAME.matcher(message).replaceAll("").strip();
        // Nothing but a class name: its simple name at least says what kind of failure it was.
        return stripped.isEmpty() ? message.strip().replaceAll(".*\\.", "").replaceAll(":$", "") : stripped;
    }
}
