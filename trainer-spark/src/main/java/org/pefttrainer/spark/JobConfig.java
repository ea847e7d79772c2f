package org.pefttrainer.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.config.LoadedConfig;

/**
 * What an executor needs to rebuild the driver's setup: the resolved config as the run saved it, and the model
 * folder as the executors see it (spark.model_path, else model.path made absolute).
 */
record JobConfig(String rendered, String modelDir) implements Serializable {

    static JobConfig of(LoadedConfig lc) {
        var cfg = lc.settings();
        Path dir = cfg.spark().modelPath().orElse(cfg.model().path().toAbsolutePath().normalize());
        return new JobConfig(lc.rendered(), dir.toString());
    }

    /** The config on an executor: the driver's, with the model folder where the executors find it. */
    LoadedConfig load() {
        try {
            Path tmp = Files.createTempFile("peft-job", ".conf");
            try {
                Files.writeString(tmp, rendered);
                return ConfigLoader.load(tmp, List.of("model.path=" + modelDir, "model.init_if_missing=false",
                        "adapter=null"));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Identifies a loaded base model: the same folder and model settings give the same weights. */
    static String modelKey(LoadedConfig lc) {
        return lc.settings().model().path() + "\n" + lc.config().getConfig("model").root().render()
                + lc.settings().device();
    }
}
