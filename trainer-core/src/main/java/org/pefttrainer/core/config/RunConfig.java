package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Section {@code run}.
 *
 * @param name      the run folder's name; never null here (the loader fills in {@code <config>-<timestamp>})
 * @param outputDir the folder that holds run folders
 * @param seed      seed of adapter init, dropout and shuffling
 * @param tags      free labels kept with the run (values as text)
 */
public record RunConfig(String name, Path outputDir, long seed, Map<String, String> tags) {

    public RunConfig {
        tags = Map.copyOf(tags);
    }

    /** {@code outputDir/name}. */
    public Path runDir() {
        return outputDir.resolve(name);
    }
}
