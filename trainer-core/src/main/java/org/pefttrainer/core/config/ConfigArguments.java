package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.pefttrainer.core.UserException;

/**
 * A command line's config part, {@code [CONFIG] [key=value | +key=value | ~key ...]}: the first argument is the
 * config file unless it is written as an override.
 */
public record ConfigArguments(Optional<Path> config, List<String> overrides) {

    public ConfigArguments {
        overrides = List.copyOf(overrides);
    }

    public static ConfigArguments split(List<String> args) {
        Optional<Path> config = Optional.empty();
        int first = 0;
        if (!args.isEmpty() && !OverrideParser.looksLikeOverride(args.get(0))) {
            config = Optional.of(Path.of(args.get(0)));
            first = 1;
        }
        List<String> overrides = args.subList(first, args.size());
        for (String arg : overrides) {
            if (!OverrideParser.looksLikeOverride(arg)) {
                throw new UserException("'" + arg + "' is not an override (key=value, +key=value or ~key); only the "
                        + "first argument may be a config file");
            }
        }
        return new ConfigArguments(config, overrides);
    }

    /** The config (the embedded default when no file is given) with the overrides. */
    public LoadedConfig load() {
        return load(Clock.systemDefaultZone());
    }

    public LoadedConfig load(Clock clock) {
        return ConfigLoader.load(config.orElse(null), overrides, clock);
    }
}
