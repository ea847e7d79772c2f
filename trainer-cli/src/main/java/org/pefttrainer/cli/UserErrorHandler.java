package org.pefttrainer.cli;

import org.pefttrainer.core.UserException;
import picocli.CommandLine;

/**
 * Prints a {@link UserException} (bad config, missing file, malformed tensor file...) as one line without a
 * stack trace; anything else is a bug and keeps its trace.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable t = ex;
        while (t != null && !(t instanceof UserException)) {
            t = t.getCause();
        }
        if (t != null) {
            cl.getErr().println("error: " + t.getMessage());
            return 2;
        }
        ex.printStackTrace(cl.getErr());
        return 1;
    }
}
