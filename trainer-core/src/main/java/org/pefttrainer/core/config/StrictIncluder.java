package org.pefttrainer.core.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;

/**
 * Includes in a config file, strictly: Typesafe Config skips an {@code include "x"} whose file is missing and
 * decodes invalid UTF-8 as U+FFFD, so a typo in an include silently drops settings. Here a plain or {@code file()}
 * include names a UTF-8 file relative to the including file's folder (or absolute), with Typesafe's extension
 * search (.conf, .json, .properties); a missing one is a one-line error naming both files. The one exception is
 * {@code include "base.conf"}, the schema, which a config outside configs/ gets from the jar.
 */
final class StrictIncluder implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    /** The schema's file name: base.conf beside a config, else the jar's peft/base.conf. */
    private static final String SCHEMA = "base.conf";
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");
    private final Path including;

    StrictIncluder(Path including) {
        this.including = including;
    }

    /** Options that parse {@code file} with this includer for its own includes. */
    static ConfigParseOptions options(Path file) {
        return ConfigParseOptions.defaults().setAllowMissing(false).setIncluder(new StrictIncluder(file));
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return includeFile(context, new File(what));
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        Path folder = including.toAbsolutePath().normalize().getParent();
        Path p = what.isAbsolute() || folder == null ? what.toPath() : folder.resolve(what.toPath());
        Path found = find(p);
        if (found == null && p.getFileName().toString().equals(SCHEMA)) {
            // A config copied out of configs/ keeps working: the schema is the jar's copy.
            return includeResources(context, "peft/" + SCHEMA);
        }
        if (found == null) {
            throw new UserException(including + ": include \"" + what + "\": file not found (" + p
                    + (hasExtension(p) ? "" : " with .conf, .json or .properties") + ")");
        }
        TextFiles.readUtf8(found, "included config file"); // one-line error for bytes that are not UTF-8
        return ConfigFactory.parseFile(found.toFile(), options(found)).root();
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        throw new UserException(including + ": include url(" + what + "): configs include local files only");
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        if (StrictIncluder.class.getClassLoader().getResource(what) == null) {
            throw new UserException(including + ": include classpath(\"" + what + "\"): no such resource (the jar"
                    + " has peft/base.conf and peft/default.conf)");
        }
        return ConfigFactory.parseResources(StrictIncluder.class.getClassLoader(), what,
                ConfigParseOptions.defaults().setAllowMissing(false)).root();
    }

    private static Path find(Path p) {
        if (Files.isRegularFile(p)) {
            return p;
        }
        if (!hasExtension(p)) {
            for (String ext : EXTENSIONS) {
                Path c = p.resolveSibling(p.getFileName() + ext);
                if (Files.isRegularFile(c)) {
                    return c;
                }
            }
        }
        return null;
    }

    private static boolean hasExtension(Path p) {
        return p.getFileName().toString().contains(".");
    }
}
