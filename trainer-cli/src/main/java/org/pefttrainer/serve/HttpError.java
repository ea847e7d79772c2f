package org.pefttrainer.serve;

/** A request the server answers with a 4xx/5xx status and {@code {"error": message}}. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String allow;

    HttpError(int status, String message) {
        this(status, message, null);
    }

    HttpError(int status, String message, String allow) {
        super(message);
        this.status = status;
        this.allow = allow;
    }

    int status() {
        return status;
    }

    /** The Allow header of a 405 answer, else null. */
    String allow() {
        return allow;
    }
}
