package io.corral.api.credential;

/**
 * A user or group could not be resolved, or the input was not a valid name
 * or id. The message names the value and the rule, e.g.
 * {@code user "x" not found}.
 */
public class CredentialException extends Exception {
    private static final long serialVersionUID = 1L;

    public CredentialException(String message) {
        super(message);
    }
}
