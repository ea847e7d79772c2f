package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;

/**
 * Loads a config the way every command does: the file (HOCON or JSON; includes relative to it) layered over
 * base.conf from the class path, then the command-line overrides, then substitutions resolved, run.name filled
 * in, everything validated (all problems at once, as {@link InvalidConfigException}), and the typed view built.
 */
public final class ConfigLoader {
    /** System property with the project folder (the ./peft launcher sets it); its configs/default.conf is used. */
    public static final String HOME_PROPERTY = "peft.home";
    /** The embedded default on the class path, used when no configs/default.conf is found on disk. */
    static final String DEFAULT_RESOURCE = "peft/default.conf";

    private ConfigLoader() {}

    /** {@code file} (or the embedded default when null) with {@code overrides}. */
    public static LoadedConfig load(Path file, List<String> overrides) {
        return load(file, overrides, Clock.systemDefaultZone());
    }

    /** As {@link #load(Path, List)}, with the clock that stamps an unnamed run. */
    public static LoadedConfig load(Path file, List<String> overrides, Clock clock) {
        if (file == null) {
            return loadDefault(overrides, clock);
        }
        List<ConfigOverride> parsed = parseOverrides(overrides);
        if (!Files.isRegularFile(file)) {
            throw new UserException("config file not found: " + file);
        }
        TextFiles.readUtf8(file, "config file"); // Typesafe would turn bytes that are not UTF-8 into U+FFFD
        Config config = parse(() -> ConfigFactory.parseFile(file.toFile(), StrictIncluder.options(file)));
        return finish(file.toString(), RunNamer.configName(file.getFileName().toString()), config, parsed, clock,
                file.toAbsolutePath().normalize().getParent());
    }

    /**
     * The embedded default ({@code ./peft train} without a config): configs/default.conf under the folder in
     * system property {@value #HOME_PROPERTY}, else under the working directory, else the copy in the jar.
     */
    public static LoadedConfig loadDefault(List<String> overrides) {
        return loadDefault(overrides, Clock.systemDefaultZone());
    }

    public static LoadedConfig loadDefault(List<String> overrides, Clock clock) {
        Optional<Path> onDisk = defaultConfigFile();
        if (onDisk.isPresent()) {
            return load(onDisk.get(), overrides, clock);
        }
        List<ConfigOverride> parsed = parseOverrides(overrides);
        Config config = parse(() -> ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), DEFAULT_RESOURCE));
        if (config.isEmpty()) {
            throw new UserException("no default config: configs/default.conf not found and " + DEFAULT_RESOURCE
                    + " not in the jar; give a config file");
        }
        // The jar's copy stands for configs/default.conf: its paths are relative to the project's configs/.
        return finish(DEFAULT_RESOURCE, "default", config, parsed, clock, projectRoot().resolve("configs"));
    }

    /** base.conf's defaults alone with {@code overrides}: for commands run without a config file but the default's. */
    public static LoadedConfig loadSchemaDefaults(List<String> overrides) {
        return finish("base.conf", "base", ConfigFactory.empty(), parseOverrides(overrides), Clock.systemDefaultZone(),
                projectRoot());
    }

    /** configs/default.conf under {@value #HOME_PROPERTY}, else under the working directory, if it exists. */
    public static Optional<Path> defaultConfigFile() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            candidates.add(Path.of(home, "configs", "default.conf"));
        }
        candidates.add(Path.of("configs", "default.conf"));
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    /**
     * Overrides alone, checked for form only (whether their keys exist is known once they meet a config). For
     * commands that take overrides on top of a config they find themselves.
     */
    public static List<ConfigOverride> parseOverrides(List<String> overrides) {
        return OverrideParser.parse(overrides);
    }

    /** The folder in {@value #HOME_PROPERTY} (the project), else the working directory. */
    public static Path projectRoot() {
        String home = System.getProperty(HOME_PROPERTY);
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
    }

    private static LoadedConfig finish(String source, String configName, Config file, List<ConfigOverride> overrides,
                                       Clock clock, Path root) {
        ConfigSchema schema = ConfigSchema.get();
        OverrideApplier.Result applied = new OverrideApplier(schema).apply(file.withFallback(schema.defaults()),
                overrides);
        List<ConfigProblem> problems = new ArrayList<>(applied.problems());
        Config resolved;
        try {
            resolved = applied.config().resolve();
        } catch (ConfigException e) {
            problems.add(problem(e));
            InvalidConfigException.throwIfAny(problems);
            throw new IllegalStateException(e);
        }
        resolved = ConfigPaths.absolute(resolved, root);
        resolved = RunNamer.nameIfUnset(resolved, configName, clock);
        problems.addAll(new ConfigValidator(schema).validate(resolved));
        InvalidConfigException.throwIfAny(problems);
        TrainerConfig settings = new TrainerConfigBinder(resolved).bind();
        return new LoadedConfig(source, resolved, ConfigRenderer.hocon(resolved), settings);
    }

    private static Config parse(Supplier<Config> parser) {
        try {
            return parser.get();
        } catch (ConfigException e) {
            throw new InvalidConfigException(List.of(problem(e).line()));
        }
    }

    /** Typesafe's message as "file:line: what", without its own "file: line: " prefix. */
    private static ConfigProblem problem(ConfigException e) {
        String message = e.getMessage();
        if (e.origin() == null) {
            return new ConfigProblem("config", message);
        }
        String prefix = e.origin().description() + ": ";
        if (message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        return new ConfigProblem(Origins.describe(e.origin()), message);
    }
}
