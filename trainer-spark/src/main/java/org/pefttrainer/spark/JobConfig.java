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
 * What an executor needs to rebuild the driver's setup: the resolved config as the run saved it, the model
 * folder as the executors see it (spark.model_path, else model.path made absolute), and the adapter folders.
 */
record JobConfig(String rendered, String modelDir, String adapter, java.util.TreeMap<String, String> rowAdapters)
        implements Serializable {

    static JobConfig of(LoadedConfig lc) {
        var cfg = lc.settings();
        Path dir = cfg.spark().modelPath().orElse(cfg.model().path().toAbsolutePath().normalize());
        java.util.TreeMap<String, String> rows = new java.util.TreeMap<>();
        cfg.eval().adapters().forEach((name, folder) -> rows.put(name, absolute(folder)));
        return new JobConfig(lc.rendered(), dir.toString(), cfg.adapter().map(JobConfig::absolute).orElse(null),
                rows);
    }

    /** Adapters are read where the driver sees them: shared storage, like the model (docs/spark.md). */
    private static String absolute(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /** The config on an executor: the driver's, with the model folder where the executors find it. */
    LoadedConfig load() {
        return reload(rendered, List.of("model.path=" + modelDir, "model.init_if_missing=false", "adapter=null"));
    }

    /**
     * A resolved config (as a run saves it: absolute paths, every key) loaded again with {@code overrides}; the
     * loader reads files, so it passes through a temporary one.
     */
    static LoadedConfig reload(String rendered, List<String> overrides) {
        try {
            Path tmp = Files.createTempFile("peft-job", ".conf");
            try {
                Files.writeString(tmp, rendered);
                return ConfigLoader.load(tmp, overrides);
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
