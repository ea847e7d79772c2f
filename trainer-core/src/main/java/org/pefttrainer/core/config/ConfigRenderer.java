package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The resolved config as text, to print at start and save in the run folder: no comments, keys sorted, every
 * value explicit. Parsing either form again gives an equal config.
 *
 * <p>HOCON is written here rather than by Typesafe's renderer, which quotes every key with an underscore
 * ({@code "max_source_length"=512}); sections nest as blocks and values are written as JSON, which HOCON reads
 * unchanged.
 */
final class ConfigRenderer {
    private static final ConfigRenderOptions JSON = ConfigRenderOptions.defaults()
            .setOriginComments(false).setComments(false).setFormatted(true).setJson(true);
    private static final ConfigRenderOptions VALUE = ConfigRenderOptions.concise();
    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    /** Words that mean something else where a key is expected. */
    private static final Set<String> RESERVED = Set.of("include", "true", "false", "null");

    private ConfigRenderer() {}

    static String hocon(Config config) {
        StringBuilder out = new StringBuilder();
        object(config.root(), 0, out);
        return out.toString();
    }

    static String json(Config config) {
        return config.root().render(JSON);
    }

    private static void object(ConfigObject object, int depth, StringBuilder out) {
        String indent = "  ".repeat(depth);
        for (String key : new TreeSet<>(object.keySet())) {
            ConfigValue value = object.get(key);
            out.append(indent).append(key(key));
            if (value instanceof ConfigObject child && !child.isEmpty()) {
                out.append(" {\n");
                object(child, depth + 1, out);
                out.append(indent).append("}\n");
            } else {
                out.append(" = ").append(value.render(VALUE)).append('\n');
            }
        }
    }

    private static String key(String key) {
        return SIMPLE_KEY.matcher(key).matches() && !RESERVED.contains(key) ? key : ConfigUtil.quoteString(key);
    }
}
