package org.pefttrainer.core.config;

import java.util.List;
import org.pefttrainer.core.UserException;

/**
 * A config (file or overrides) with one or more problems, all reported at once: the message has one line per
 * problem, each naming the key and where its value came from ("configs/my.conf:12: ..." or "command line: ...").
 */
public final class InvalidConfigException extends UserException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    InvalidConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, in the order found. */
    public List<String> problems() {
        return problems;
    }

    /** Throws if there is any problem. */
    static void throwIfAny(List<ConfigProblem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems.stream().map(ConfigProblem::line).toList());
        }
    }
}
