package org.pefttrainer.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.model.LanguageModel;

/**
 * The training loop: teacher-forced cross-entropy on a frozen base model, gradients only for the
 * {@link Trainable}'s arrays, AdamW with a warmup/decay schedule, gradient accumulation and global-norm clipping.
 * After each epoch the listeners (evaluation) run, a resumable checkpoint is written, the best epoch is kept as
 * {@code best/} and early stopping is applied. Every step runs in its own NDManager, closed at the end of the step.
 *
 * <p>Determinism: the data order of epoch e is a function of (seed, e) (the {@link BatchPlan}), and torch's RNG
 * (dropout) is re-seeded from (seed, update number) before each update, so two runs with the same seed are
 * bit-identical on CPU and a resumed run continues exactly where the checkpoint left off.
 */
public final class Trainer {
    private final TrainerSettings settings;
    private final Trainable trainable;
    private final BatchPlan data;
    private final Path runDir;
    private final List<EpochEndListener> listeners;
    private final TrainProgress progress;
    private final StopSignal stop;
    private final MetricsLog metrics;
    private final GradientSource gradients;

    /** Computing the gradients in this process. */
    public Trainer(TrainerSettings settings, LanguageModel model, Trainable trainable, BatchPlan data, Path runDir,
            List<EpochEndListener> listeners, TrainProgress progress, StopSignal stop) {
        this(settings, model, trainable, data, runDir, listeners, progress, stop,
                new LocalGradients(model, trainable, settings));
    }

    /** With the gradients from {@code gradients} (e.g. data-parallel workers). */
    public Trainer(TrainerSettings settings, LanguageModel model, Trainable trainable, BatchPlan data, Path runDir,
            List<EpochEndListener> listeners, TrainProgress progress, StopSignal stop, GradientSource gradients) {
        this.gradients = gradients;
        this.settings = settings;
        this.trainable = trainable;
        this.data = data;
        this.runDir = runDir;
        this.listeners = listeners;
        this.progress = progress;
        this.stop = stop;
        this.metrics = new MetricsLog(runDir.resolve("metrics.jsonl"));
    }

    /** How the run ended. */
    public enum Outcome { COMPLETED, EARLY_STOPPED, INTERRUPTED, NONFINITE }

    private volatile int stepsDone;

    /** Optimizer updates this trainer made (0: it failed or stopped before its first step). */
    public int stepsDone() {
        return stepsDone;
    }

    public record Result(Outcome outcome, int globalStep, Path adapterDir, Path lastCheckpoint, String message) {}

    /** Number of optimizer updates the whole run will make. */
    public int totalSteps() {
        int perEpoch = updatesPerEpoch(data.batches(0).size());
        int all = perEpoch * settings.epochs();
        return settings.maxSteps() > 0 ? settings.maxSteps() : all;
    }

    private int updatesPerEpoch(int batches) {
        return (batches + settings.gradAccumSteps() - 1) / settings.gradAccumSteps();
    }

    public Result train(boolean resume) {
        try {
            Files.createDirectories(runDir);
        } catch (java.io.IOException e) {
            throw new UserException(runDir + ": cannot create run folder (" + e.getMessage() + ")");
        }
        Map<String, NDArray> params = trainable.parameters();
        NDManager rootManager = params.values().iterator().next().getManager();
        int total = totalSteps();
        int warmup = settings.warmupSteps() > 0 ? settings.warmupSteps() : (int) Math.ceil(settings.warmupRatio() * total);
        LrSchedule schedule = new LrSchedule(settings.schedule(), settings.lr(), settings.finalLr(), warmup, total);
        // Autograd is per thread and on by default: only the passes that train turn it on (the caller may be any
        // thread, and the optimizer's in-place updates must not be recorded).
        try (org.pefttrainer.core.tensor.GradMode.Scope off = org.pefttrainer.core.tensor.GradMode.off();
                AdamW optimizer = new AdamW(rootManager, settings.beta1(), settings.beta2(), settings.eps(),
                settings.weightDecay())) {
            CheckpointState state = CheckpointState.fresh(settings.seed());
            Path lastCheckpoint = null;
            if (resume) {
                Checkpoints.cleanTemporaries(runDir);
                Optional<Path> latest = Checkpoints.latest(runDir, progress::message);
                if (latest.isEmpty()) {
                    // Killed before its first checkpoint: nothing was kept, so the run starts over from step 0 with
                    // the config it saved (the same seed gives the same run).
                    progress.message(runDir + ": no complete checkpoint (epoch-N/ or step-N/) yet; starting this run "
                            + "again from step 0 with its saved config");
                    metrics.truncate(0);
                } else {
                    lastCheckpoint = latest.get();
                    state = Checkpoints.restore(lastCheckpoint, trainable, optimizer);
                    metrics.truncate(state.metricsBytes());
                    progress.message("resuming from " + lastCheckpoint + " at epoch " + (state.epoch() + 1)
                            + ", batch " + state.batchIndex() + ", step " + state.globalStep());
                }
            } else {
                metrics.truncate(0);
            }
            return loop(state, schedule, optimizer, params, lastCheckpoint);
        }
    }

    private Result loop(CheckpointState start, LrSchedule schedule, AdamW optimizer, Map<String, NDArray> params,
            Path lastCheckpoint) {
        int step = start.globalStep();
        double bestValue = start.bestValue();
        int bestEpoch = start.bestEpoch();
        int badEpochs = start.epochsWithoutImprovement();
        int skips = start.nonfiniteSkips();
        int total = schedule.totalSteps();
        progress.start(total, step);
        long windowTokens = 0;
        long windowStart = System.nanoTime();
        double windowLoss = start.windowLossSum();
        int windowSteps = start.windowSteps();
        try {
            for (int epoch = start.epoch(); epoch < settings.epochs() || settings.maxSteps() > 0; epoch++) {
                List<TrainBatch> batches = data.batches(epoch);
                boolean resumedEpoch = epoch == start.epoch();
                double epochLoss = resumedEpoch ? start.epochLossSum() : 0;
                int epochUpdates = resumedEpoch ? start.epochUpdates() : 0;
                int first = resumedEpoch ? start.batchIndex() : 0;
                for (int b = first; b < batches.size(); b += settings.gradAccumSteps()) {
                    if (settings.maxSteps() > 0 && step >= settings.maxSteps()) {
                        break;
                    }
                    List<TrainBatch> group = batches.subList(b, Math.min(b + settings.gradAccumSteps(), batches.size()));
                    double lr = schedule.lr(step);
                    StepResult r = step(group, step, lr, optimizer, params);
                    if (!r.finite) {
                        String where = String.format(Locale.ROOT, "step %d (epoch %d, batch %d)", step + 1, epoch + 1, b);
                        if (settings.nonfinitePolicy() == TrainerSettings.NonfinitePolicy.SKIP
                                && skips < settings.maxNonfiniteSkips()) {
                            skips++;
                            progress.message("warning: non-finite loss or gradient at " + where + ": update skipped ("
                                    + skips + "/" + settings.maxNonfiniteSkips() + ")");
                            continue;
                        }
                        String msg = "non-finite loss or gradient at " + where + "; stopped. Last good checkpoint: "
                                + (lastCheckpoint == null ? "none (the run failed before the first checkpoint)" : lastCheckpoint)
                                + ". Lower optim.lr, or set train.nonfinite.policy=skip.";
                        return new Result(Outcome.NONFINITE, step, null, lastCheckpoint, msg);
                    }
                    step++;
                    stepsDone++;
                    epochLoss += r.loss;
                    epochUpdates++;
                    windowLoss += r.loss;
                    windowSteps++;
                    windowTokens += r.tokens;
                    double seconds = (System.nanoTime() - windowStart) / 1e9;
                    double tps = windowTokens / Math.max(seconds, 1e-9);
                    progress.step(step, r.loss, lr, tps);
                    if (step % settings.logEvery() == 0) {
                        ObjectNode line = Json.MAPPER.createObjectNode();
                        line.put("type", "step");
                        line.put("step", step);
                        line.put("epoch", epoch + 1);
                        line.put("loss", windowLoss / windowSteps);
                        line.put("step_loss", r.loss);
                        line.put("lr", lr);
                        line.put("grad_norm", r.gradNorm);
                        line.put("tokens_per_s", tps);
                        metrics.append(line);
                        windowLoss = 0;
                        windowSteps = 0;
                        windowTokens = 0;
                        windowStart = System.nanoTime();
                    }
                    boolean interrupted = stop != null && stop.requested();
                    boolean periodic = settings.checkpointEverySteps() > 0
                            && step % settings.checkpointEverySteps() == 0;
                    if (interrupted || periodic) {
                        // After an epoch's last batch the position stays in this epoch (next == batches.size()), so
                        // the resumed run still does this epoch's end: its metrics line, listeners and checkpoint.
                        int next = b + group.size();
                        CheckpointState s = new CheckpointState(step, epoch, next, metrics.length(), bestValue,
                                bestEpoch, badEpochs, skips, settings.seed(), epochLoss, epochUpdates, windowLoss,
                                windowSteps);
                        Path ckpt = Checkpoints.save(runDir, "step-" + step, s, trainable, optimizer);
                        Checkpoints.pruneSteps(runDir, ckpt);
                        lastCheckpoint = ckpt;
                        if (interrupted) {
                            return new Result(Outcome.INTERRUPTED, step, null, ckpt,
                                    "interrupted at step " + step + "; resume with --resume " + runDir);
                        }
                    }
                }
                boolean ranOut = settings.maxSteps() > 0 && step >= settings.maxSteps();
                if (epochUpdates == 0 && ranOut) {
                    break;
                }
                // ---- epoch end: evaluation, epoch metrics, checkpoint, best/, early stopping
                ObjectNode line = Json.MAPPER.createObjectNode();
                line.put("type", "epoch");
                line.put("epoch", epoch + 1);
                line.put("step", step);
                line.put("train_loss", epochUpdates == 0 ? Double.NaN : epochLoss / epochUpdates);
                Double metricValue = null;
                if (!listeners.isEmpty() && epochUpdates > 0 && (lastCheckpoint == null
                        || !lastCheckpoint.getFileName().toString().equals("step-" + step))) {
                    // The epoch's training is saved before its evaluation: an evaluation that fails or is killed
                    // costs no training, and --resume redoes the evaluation from here.
                    CheckpointState s = new CheckpointState(step, epoch, batches.size(), metrics.length(), bestValue,
                            bestEpoch, badEpochs, skips, settings.seed(), epochLoss, epochUpdates, windowLoss,
                            windowSteps);
                    lastCheckpoint = Checkpoints.save(runDir, "step-" + step, s, trainable, optimizer);
                    Checkpoints.pruneSteps(runDir, lastCheckpoint);
                }
                for (EpochEndListener l : listeners) {
                    Map<String, Double> values;
                    try {
                        values = l.onEpochEnd(epoch + 1, step, trainable);
                    } catch (UserException e) {
                        throw new UserException("epoch " + (epoch + 1) + " evaluation: " + e.getMessage()
                                + " (the epoch's training is saved in " + lastCheckpoint + "; fix the setting in "
                                + runDir.resolve("config.conf") + " and continue with --resume " + runDir + ")", e);
                    }
                    for (Map.Entry<String, Double> m : values.entrySet()) {
                        line.put(m.getKey(), m.getValue());
                        if (m.getKey().equals(settings.bestMetric())) {
                            metricValue = m.getValue();
                        }
                    }
                }
                boolean improved = false;
                boolean lowerIsBetter = lowerIsBetter(settings.bestMetric());
                if (metricValue != null && !metricValue.isNaN() && (Double.isNaN(bestValue)
                        || (lowerIsBetter ? metricValue < bestValue : metricValue > bestValue))) {
                    bestValue = metricValue;
                    bestEpoch = epoch + 1;
                    badEpochs = 0;
                    improved = true;
                } else if (metricValue != null) {
                    badEpochs++;
                }
                if (metricValue != null) {
                    line.put("best_epoch", bestEpoch);
                }
                metrics.append(line);
                for (EpochEndListener l : listeners) {
                    l.afterEpochLogged(epoch + 1);
                }
                String validation = line.has("val_loss") && !"val_loss".equals(settings.bestMetric())
                        ? String.format(Locale.ROOT, " val_loss %.4f (perplexity %.2f)", line.get("val_loss").asDouble(),
                                line.path("perplexity").asDouble(Double.NaN)) : "";
                progress.message(String.format(Locale.ROOT, "epoch %d: train_loss %.4f%s%s", epoch + 1,
                        epochUpdates == 0 ? Double.NaN : epochLoss / epochUpdates, validation, metricValue == null ? ""
                                : String.format(Locale.ROOT, " %s %.4f%s", settings.bestMetric(), metricValue,
                                        improved ? " (best)" : "")));
                if (improved) {
                    ObjectNode best = Json.MAPPER.createObjectNode().put("epoch", epoch + 1).put("step", step)
                            .put("metric", settings.bestMetric()).put("value", metricValue);
                    AtomicFiles.writeDirectory(runDir.resolve("best"), true, tmp -> {
                        trainable.saveTo(tmp);
                        Json.write(tmp.resolve("best.json"), best);
                    });
                }
                boolean early = settings.earlyStoppingPatience() > 0 && badEpochs >= settings.earlyStoppingPatience();
                boolean lastEpoch = epoch + 1 >= settings.epochs() && settings.maxSteps() <= 0;
                if (settings.checkpointEveryEpoch() || early || lastEpoch || ranOut) {
                    CheckpointState s = new CheckpointState(step, epoch + 1, 0, metrics.length(), bestValue, bestEpoch,
                            badEpochs, skips, settings.seed(), 0, 0, windowLoss, windowSteps);
                    lastCheckpoint = Checkpoints.save(runDir, "epoch-" + (epoch + 1), s, trainable, optimizer);
                    Checkpoints.pruneSteps(runDir, null); // the epoch checkpoint is further along
                    Checkpoints.prune(runDir, settings.keepCheckpoints(), lastCheckpoint);
                }
                if (early) {
                    Path adapter = saveFinal();
                    return new Result(Outcome.EARLY_STOPPED, step, adapter, lastCheckpoint, "early stopping: "
                            + settings.bestMetric() + " did not improve for " + badEpochs + " epoch(s); best epoch "
                            + bestEpoch);
                }
                if (ranOut || lastEpoch) {
                    break;
                }
            }
            Path adapter = saveFinal();
            return new Result(Outcome.COMPLETED, step, adapter, lastCheckpoint, "finished " + step + " steps");
        } finally {
            progress.close();
        }
    }

    /** Losses (val_loss, perplexity) improve downwards; every other metric upwards. */
    static boolean lowerIsBetter(String metric) {
        return "val_loss".equals(metric) || "perplexity".equals(metric);
    }

    private Path saveFinal() {
        Path adapter = runDir.resolve(Checkpoints.ADAPTER_DIR);
        AtomicFiles.writeDirectory(adapter, true, trainable::saveTo);
        return adapter;
    }

    private record StepResult(boolean finite, double loss, double gradNorm, long tokens) {}

    /** One optimizer update over a group of micro-batches. */
    private StepResult step(List<TrainBatch> group, int step, double lr, AdamW optimizer, Map<String, NDArray> params) {
        // Dropout masks depend only on (seed, update number): resumed runs draw the same masks.
        Engine.getInstance().setRandomSeed((int) (settings.seed() * 1_000_003L + step));
        NDManager root = params.values().iterator().next().getManager();
        try (NDManager stepManager = root.newSubManager()) {
            GradientSource.Accumulated a = gradients.accumulate(group, step, stepManager);
            if (!a.finite()) {
                zeroGradients(params);
                return new StepResult(false, a.loss(), Double.NaN, a.tokens());
            }
            double norm = globalGradNorm(params, stepManager);
            if (!Double.isFinite(norm)) {
                zeroGradients(params);
                return new StepResult(false, a.loss(), norm, a.tokens());
            }
            double scale = 1.0;
            if (settings.maxGradNorm() > 0) {
                // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
                scale = Math.min(1.0, settings.maxGradNorm() / (norm + 1e-6));
            }
            optimizer.update(params, lr, scale);
            zeroGradients(params);
            return new StepResult(true, a.loss(), norm, a.tokens());
        }
    }

    /** sqrt of the sum of squares of every gradient (the norm clip_grad_norm_ uses). */
    static double globalGradNorm(Map<String, NDArray> params, NDManager scratch) {
        double sumSq = 0;
        for (NDArray p : params.values()) {
            try (NDManager tmp = scratch.newSubManager()) {
                NDArray g = p.getGradient();
                g.attach(tmp);
                sumSq += g.square().sum().getFloat();
            }
        }
        return Math.sqrt(sumSq);
    }

    static void zeroGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
