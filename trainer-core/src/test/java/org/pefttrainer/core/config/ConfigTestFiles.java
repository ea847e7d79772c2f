package org.pefttrainer.core.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Helpers shared by the config tests. */
final class ConfigTestFiles {
    /** 2025-03-04 05:06:07 UTC: unnamed runs get the suffix -20250304-050607. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-04T05:06:07Z"), ZoneOffset.UTC);

    /** The repository's configs/ folder (tests run in the module folder). */
    static final Path CONFIGS = Path.of("..", "configs");

    private ConfigTestFiles() {}

    static Path write(Path dir, String name, String... lines) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LoadedConfig load(Path file, String... overrides) {
        return ConfigLoader.load(file, List.of(overrides), CLOCK);
    }

    /** The problem lines of a load that must fail. */
    static List<String> problems(Executable load) {
        return assertThrows(InvalidConfigException.class, load).problems();
    }
}
