package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Section {@code serve}.
 *
 * @param port     TCP port; 0 = any free port
 * @param adapters adapter name → adapter folder, served side by side on one base model
 */
public record ServeConfig(String host, int port, int maxBatchSize, int batchWaitMs, Map<String, Path> adapters) {

    public ServeConfig {
        adapters = Map.copyOf(adapters);
    }
}
