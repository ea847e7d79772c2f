package org.pefttrainer.spark;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.recipes.ModelSession;
import org.pefttrainer.recipes.TrainableParts;

/**
 * What an executor JVM keeps between tasks: the frozen base model, loaded once for every task it runs (tasks of the
 * same JVM share it: a forward pass does not change it), adapters by folder, and a data-parallel worker's own copy of
 * the trainable part. A task for another model or run replaces them.
 */
final class ExecutorModels {
    private static final Map<JobConfig, LoadedConfig> CONFIGS = new HashMap<>();
    private static String modelKey;
    private static ModelSession session;
    private static final Map<String, Adapter> ADAPTERS = new HashMap<>();
    private static String runId;
    private static final Map<Integer, TrainableParts> WORKERS = new HashMap<>();
    /** How many times this JVM loaded a base model (tests check it is once). */
    private static int loads;

    private ExecutorModels() {}

    /** The job's config and its base model, loaded on first use. */
    static synchronized Loaded model(JobConfig job) {
        LoadedConfig lc = CONFIGS.computeIfAbsent(job, JobConfig::load);
        String key = JobConfig.modelKey(lc);
        if (!key.equals(modelKey)) {
            closeAll();
            Path dir = Path.of(job.modelDir());
            if (!Files.isDirectory(dir)) {
                throw new UserException("model folder " + dir + " does not exist on executor host " + host()
                        + " (spark.model_path, else model.path: put the model on storage every node sees, or copy it"
                        + " to that path on every node; docs/spark.md)");
            }
            session = ModelSession.open(lc.settings().model(), lc.settings().device(), dir);
            modelKey = key;
            loads++;
        }
        return new Loaded(lc, session);
    }

    /** The adapter in {@code folder} on this executor's base model, loaded once. */
    static synchronized Adapter adapter(JobConfig job, String folder) {
        Loaded m = model(job);
        return ADAPTERS.computeIfAbsent(folder, f -> {
            if (!Files.isDirectory(Path.of(f))) {
                throw new UserException("adapter folder " + f + " does not exist on executor host " + host());
            }
            return AdapterLoader.load(Path.of(f), m.session().model(), m.session().root());
        });
    }

    /** Worker {@code worker}'s trainable part for run {@code run} (its values are set by every step). */
    static synchronized TrainableParts worker(JobConfig job, String run, int worker) {
        Loaded m = model(job);
        if (!run.equals(runId)) {
            WORKERS.values().forEach(TrainableParts::close);
            WORKERS.clear();
            runId = run;
        }
        return WORKERS.computeIfAbsent(worker, w -> TrainableParts.create(m.config().settings(), m.session()));
    }

    static synchronized int loads() {
        return loads;
    }

    private static void closeAll() {
        WORKERS.values().forEach(TrainableParts::close);
        WORKERS.clear();
        ADAPTERS.values().forEach(Adapter::close);
        ADAPTERS.clear();
        if (session != null) {
            session.close();
            session = null;
        }
        modelKey = null;
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    record Loaded(LoadedConfig config, ModelSession session) {}
}
