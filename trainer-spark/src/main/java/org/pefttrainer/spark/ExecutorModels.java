package org.pefttrainer.spark;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.recipes.ModelSession;
import org.pefttrainer.recipes.RowAdapters;
import org.pefttrainer.recipes.TrainableParts;

/**
 * What an executor JVM keeps between tasks: the frozen base model, loaded once for every task it runs (tasks of the
 * same JVM share it: a forward pass does not change it), the run's adapters, and a data-parallel worker's own copy of
 * the trainable part. A task for another model or run replaces them.
 */
final class ExecutorModels {
    private static final Map<JobConfig, LoadedConfig> CONFIGS = new HashMap<>();
    private static String modelKey;
    private static ModelSession session;
    /** False while the session is the driver's (local mode), which the driver closes. */
    private static boolean sessionOwned = true;
    private static String adaptersKey;
    private static RowAdapters adapters;
    private static String runId;
    private static final Map<Integer, TrainableParts> WORKERS = new HashMap<>();
    /** How many times this JVM loaded a base model (a test checks that local-mode tasks load none). */
    private static int loads;
    private static double unreportedLoadSeconds;

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
            long t0 = System.nanoTime();
            session = ModelSession.open(lc.settings().model(), lc.settings().device(), dir);
            modelKey = key;
            loads++;
            unreportedLoadSeconds += (System.nanoTime() - t0) / 1e9;
        }
        return new Loaded(lc, session);
    }

    /**
     * Local mode: the tasks run in the driver's JVM, so they use the driver's loaded model instead of a second copy.
     * It stays the driver's; {@link #release} drops it (and what was built on it) before the driver closes it.
     * Returns whether this call adopted it (the caller then releases it).
     */
    static synchronized boolean adopt(JobConfig job, ModelSession driverSession) {
        LoadedConfig lc = CONFIGS.computeIfAbsent(job, JobConfig::load);
        if (session == driverSession
                || !driverSession.folder().dir().toAbsolutePath().normalize().toString().equals(job.modelDir())) {
            return false; // adopted already, or spark.model_path names another folder, which the tasks then load
        }
        closeAll();
        session = driverSession;
        sessionOwned = false;
        modelKey = JobConfig.modelKey(lc);
        return true;
    }

    /** Drops {@code driverSession} if it was adopted. */
    static synchronized void release(ModelSession driverSession) {
        if (session == driverSession) {
            closeAll();
        }
    }

    /** The job's adapters (its own and those rows name) on this executor's base model, loaded once. */
    static synchronized RowAdapters adapters(JobConfig job) {
        Loaded m = model(job);
        String key = job.adapter() + "\n" + job.rowAdapters();
        if (!key.equals(adaptersKey)) {
            if (adapters != null) {
                adapters.close();
            }
            adapters = null;
            for (String f : job.rowAdapters().values()) {
                folderExists(f);
            }
            if (job.adapter() != null) {
                folderExists(job.adapter());
            }
            Map<String, Path> rows = new java.util.TreeMap<>();
            job.rowAdapters().forEach((name, f) -> rows.put(name, Path.of(f)));
            adapters = RowAdapters.load(m.session(), rows, job.adapter() == null ? null : Path.of(job.adapter()));
            adaptersKey = key;
        }
        return adapters;
    }

    private static void folderExists(String f) {
        if (!Files.isDirectory(Path.of(f))) {
            throw new UserException("adapter folder " + f + " does not exist on executor host " + host()
                    + " (put adapters on storage every node sees, like the model; docs/spark.md)");
        }
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

    /**
     * Worker {@code worker}'s trainable part set to the driver's {@code values} (in the trainable's parameter order):
     * what a data-parallel step trains, and what an epoch-end evaluation on the executors generates with.
     */
    static org.pefttrainer.core.train.Trainable workerWith(JobConfig job, String run, int worker, float[][] values) {
        org.pefttrainer.core.train.Trainable trainable = worker(job, run, worker).trainable();
        TrainableValues.set(trainable, values);
        return trainable;
    }

    static synchronized int loads() {
        return loads;
    }

    /**
     * Seconds this JVM spent loading base models (the first one including PyTorch's natives) since the last call:
     * what a job's start-up cost.
     */
    static synchronized double takeLoadSeconds() {
        double s = unreportedLoadSeconds;
        unreportedLoadSeconds = 0;
        return s;
    }

    private static void closeAll() {
        WORKERS.values().forEach(TrainableParts::close);
        WORKERS.clear();
        if (adapters != null) {
            adapters.close();
            adapters = null;
        }
        adaptersKey = null;
        if (session != null && sessionOwned) {
            session.close();
        }
        session = null;
        sessionOwned = true;
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
