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
        return message.lines().findFirst().orElse(message);
    }
}
