package org.pefttrainer.core.config;

import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigOriginFactory;

/** Where a config value came from, written the way compilers write it: {@code file:line}. */
final class Origins {
    /** The origin every command-line override carries. */
    static final ConfigOrigin COMMAND_LINE = ConfigOriginFactory.newSimple("command line");

    private Origins() {}

    static String describe(ConfigOrigin origin) {
        if (origin == null) {
            return "config";
        }
        String source = origin.filename() != null ? origin.filename() : origin.resource();
        if (source == null) {
            // Parsed strings (command-line values) carry "command line: 1"; the line says nothing there.
            return origin.description().replaceFirst(": \\d+$", "");
        }
        return origin.lineNumber() > 0 ? source + ":" + origin.lineNumber() : source;
    }
}
