package org.pefttrainer.core;

/**
 * An error the user can fix (bad config key, missing or malformed file, mismatched adapter). Its message is one
 * line that names the file, key or tensor and what was expected; the CLI prints it without a stack trace.
 */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
