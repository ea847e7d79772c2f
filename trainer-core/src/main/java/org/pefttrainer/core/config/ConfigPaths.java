package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Makes the config's relative paths absolute, so that a config runs the same from any folder: a path written in
 * the config file (or one it includes, or a base.conf default) is relative to the config file's folder (for the
 * embedded default, the project root); a path given as a command-line override is relative to the working
 * directory, as a shell user expects. The saved config.conf then holds absolute paths, so --resume works from
 * anywhere too.
 */
final class ConfigPaths {
    /** The keys that hold one file or folder path. */
    static final List<String> PATH_KEYS = List.of("run.output_dir", "model.path", "model.init.tokenizer_corpus",
            "data.path", "adapter", "spark.model_path");
    /** Open sections whose entries are paths. */
    static final List<String> PATH_SECTIONS = List.of("serve.adapters", "eval.adapters");

    private ConfigPaths() {}

    /** {@code c} with every relative path made absolute against {@code root} or the working directory. */
    static Config absolute(Config c, Path root) {
        Config out = c;
        for (String key : PATH_KEYS) {
            if (c.hasPath(key)) {
                out = out.withValue(key, absolute(c.getValue(key), root));
            }
        }
        for (String section : PATH_SECTIONS) {
            if (c.hasPath(section) && c.getValue(section).valueType() == ConfigValueType.OBJECT) {
                ConfigObject o = c.getObject(section);
                for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
                    out = out.withValue(section + "." + com.typesafe.config.ConfigUtil.quoteString(e.getKey()),
                            absolute(e.getValue(), root));
                }
            }
        }
        return out;
    }

    private static ConfigValue absolute(ConfigValue v, Path root) {
        if (v.valueType() != ConfigValueType.STRING) {
            return v; // null (unset) or a wrong type the validator reports
        }
        String text = (String) v.unwrapped();
        if (text.isBlank()) {
            return v;
        }
        Path p;
        try {
            p = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            return v;
        }
        if (p.isAbsolute()) {
            return v;
        }
        Path base = fromCommandLine(v.origin()) ? Path.of("").toAbsolutePath() : root;
        return ConfigValueFactory.fromAnyRef(base.resolve(p).normalize().toString()).withOrigin(v.origin());
    }

    private static boolean fromCommandLine(ConfigOrigin origin) {
        return origin != null && origin.description().startsWith(Origins.COMMAND_LINE.description());
    }
}
