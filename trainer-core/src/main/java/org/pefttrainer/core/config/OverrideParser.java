package org.pefttrainer.core.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses overrides: {@code key=value}, {@code +key=value}, {@code ~key}. A value is read as a HOCON value when it
 * is a number, boolean or null, or starts with a quote, [ or {, or holds a ${substitution}; any other text is
 * taken literally as a string (so paths and URLs need no quotes, and {@code a//b} or {@code a#b} are not cut at a
 * HOCON comment), and so is a zero-padded number such as 007. {@code key=} sets the empty string, as in Hydra.
 */
final class OverrideParser {

    private OverrideParser() {}

    /** True if {@code arg} is written as an override (and so is not a config file). */
    static boolean looksLikeOverride(String arg) {
        return arg.startsWith("~") || arg.startsWith("+") || arg.contains("=");
    }

    /** All overrides, or an {@link InvalidConfigException} naming every malformed one. */
    static List<ConfigOverride> parse(List<String> args) {
        List<ConfigOverride> overrides = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        for (String arg : args) {
            try {
                overrides.add(parseOne(arg));
            } catch (Malformed e) {
                problems.add(new ConfigProblem(Origins.describe(Origins.COMMAND_LINE), e.getMessage()));
            }
        }
        InvalidConfigException.throwIfAny(problems);
        return overrides;
    }

    static ConfigOverride parseOne(String arg) {
        if (arg.startsWith("++")) {
            throw new Malformed("'" + arg + "': ++ is not supported; write key=value to set a key or +key=value "
                    + "to add one");
        }
        if (arg.startsWith("~")) {
            String body = arg.substring(1);
            if (body.contains("=")) {
                throw new Malformed("'" + arg + "': ~ takes no value; write ~" + body.substring(0, body.indexOf('=')));
            }
            return new ConfigOverride(ConfigOverride.Kind.REMOVE, key(body, arg), null, arg);
        }
        boolean add = arg.startsWith("+");
        String body = add ? arg.substring(1) : arg;
        int eq = body.indexOf('=');
        if (eq < 0) {
            throw new Malformed("'" + arg + "' is not an override: write key=value, +key=value or ~key");
        }
        String key = key(body.substring(0, eq), arg);
        ConfigValue value = value(key, body.substring(eq + 1));
        return new ConfigOverride(add ? ConfigOverride.Kind.ADD : ConfigOverride.Kind.SET, key, value, arg);
    }

    private static String key(String text, String arg) {
        String key = text.strip();
        if (key.isEmpty()) {
            throw new Malformed("'" + arg + "' has no key");
        }
        try {
            return ConfigUtil.joinPath(ConfigUtil.splitPath(key));
        } catch (ConfigException e) {
            throw new Malformed("'" + arg + "': '" + key + "' is not a key path (like optim.lr)");
        }
    }

    private static ConfigValue value(String key, String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return ConfigValueFactory.fromAnyRef("").withOrigin(Origins.COMMAND_LINE);
        }
        boolean hocon = t.startsWith("\"") || t.startsWith("[") || t.startsWith("{") || t.contains("${");
        ConfigValue parsed = null;
        try {
            parsed = ConfigFactory.parseString("v = " + t,
                    ConfigParseOptions.defaults().setOriginDescription("command line")).root().get("v");
        } catch (ConfigException e) {
            if (hocon) {
                throw new Malformed("cannot read the value of " + key + ": " + stripOrigin(e.getMessage()));
            }
        }
        if (hocon) {
            return parsed.withOrigin(Origins.COMMAND_LINE);
        }
        if (parsed != null) {
            ConfigValueType type = parsed.valueType();
            // As in Hydra, a number with leading zeros (an id like 007) stays text.
            boolean zeroPadded = type == ConfigValueType.NUMBER && t.matches("[+-]?0\\d.*");
            if ((type == ConfigValueType.NUMBER && !zeroPadded) || type == ConfigValueType.BOOLEAN
                    || type == ConfigValueType.NULL) {
                return parsed.withOrigin(Origins.COMMAND_LINE);
            }
        }
        return ConfigValueFactory.fromAnyRef(t).withOrigin(Origins.COMMAND_LINE);
    }

    /** Typesafe starts its messages with "command line: 1: ". */
    private static String stripOrigin(String message) {
        return message.replaceFirst("^command line: \\d+: ", "");
    }

    /** A malformed argument; its message becomes one problem line. */
    private static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
