package org.pefttrainer.recipes;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.data.TrainingFilter;
import org.pefttrainer.core.data.batch.Collator;
import org.pefttrainer.core.data.batch.LengthBucketedSampler;
import org.pefttrainer.core.data.batch.TokenizedExample;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.hf.ModelIdentity;
import org.pefttrainer.core.train.ConsoleProgress;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.GradientSource;
import org.pefttrainer.core.train.LocalGradients;
import org.pefttrainer.core.train.LrSchedule;
import org.pefttrainer.core.train.RunLock;
import org.pefttrainer.core.train.StopSignal;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.core.train.TrainerSettings;

/**
 * {@code peft train}: the whole fine-tuning job from a resolved config, built from the small components of the
 * other modules: load the frozen base, attach the trainable part (LoRA, soft prompt, or every weight), tokenise and
 * batch the training split, run the {@link Trainer} with evaluation after each epoch, and leave the adapter in the
 * run folder.
 */
public final class FinetuneRecipe {
    public static final String SAVED_CONFIG = "config.conf";

    private FinetuneRecipe() {}

    /**
     * Where a run's gradients come from: by default this process; trainer-spark gives data-parallel workers. It is
     * called once the base model and the trainable part are loaded, and closed when training ends.
     */
    public interface Gradients {
        GradientSource open(ModelSession session, Trainable trainable, TrainerSettings settings);

        /** Where the epoch-end evaluation of {@code trainable} runs its batches; by default this process. */
        default EvaluateRecipe.Backend evaluation(ModelSession session, Trainable trainable) {
            return EvaluateRecipe.Backend.LOCAL;
        }

        Gradients LOCAL = (session, trainable, settings) -> new LocalGradients(session.model(), trainable, settings);
    }

    /** Runs a fresh job ({@code resumeDir} null) or continues the run in {@code resumeDir}. */
    public static Trainer.Result run(LoadedConfig lc, Path resumeDir, PrintStream out) {
        return run(lc, resumeDir, out, Gradients.LOCAL);
    }

    /** As {@link #run(LoadedConfig, Path, PrintStream)}, with the gradients from {@code gradients}. */
    public static Trainer.Result run(LoadedConfig lc, Path resumeDir, PrintStream out, Gradients gradients) {
        TrainerConfig cfg = lc.settings();
        Path runDir = resumeDir != null ? resumeDir : cfg.run().runDir();
        boolean fresh = resumeDir == null;
        boolean existed = Files.exists(runDir);
        if (fresh) {
            if (Files.isDirectory(runDir) && !isEmpty(runDir)) {
                // A run in progress there is named by its pid; a finished one can be continued. (Only a folder that
                // has held a run is probed: the probe leaves its lock file behind.)
                if (Files.exists(runDir.resolve(RunLock.FILE))) {
                    try (RunLock probe = RunLock.acquire(runDir)) {
                        probe.takenOverFrom(); // free: nobody trains there now
                    }
                }
                throw new UserException(runDir + ": run folder already exists (set run.name to another name, or"
                        + " continue it with --resume " + runDir + ")");
            }
            OutputTarget.checkPlacement(runDir, "run folder (run.output_dir/run.name)", ConfigInputs.of(cfg));
        }
        try (RunLock lock = RunLock.acquire(runDir)) {
            lock.takenOverFrom().ifPresent(pid -> out.println("note: took over the run folder lock of process " + pid
                    + ", which ended without releasing it"));
            Trainer[] trainer = new Trainer[1];
            try {
                return train(lc, runDir, fresh, trainer, out, gradients);
            } catch (RuntimeException | Error e) {
                if (fresh && (trainer[0] == null || trainer[0].stepsDone() == 0)) {
                    // Failed before its first step: nothing of value was made, and the same command can run again.
                    removeRunFolder(runDir, existed);
                }
                throw e;
            }
        }
    }

    private static Trainer.Result train(LoadedConfig lc, Path runDir, boolean fresh, Trainer[] trainerOut,
            PrintStream out, Gradients gradients) {
        TrainerConfig cfg = lc.settings();
        out.println("resolved config (" + lc.source() + "):");
        out.println(lc.rendered().strip());
        if (fresh) {
            OutputTarget.mark(runDir, OutputTarget.Kind.RUN);
            AtomicFiles.writeString(runDir.resolve(SAVED_CONFIG), lc.rendered());
        }
        long start = System.nanoTime();
        try (ModelSession session = ModelSession.open(cfg);
                TrainableParts parts = TrainableParts.create(cfg, session)) {
            checkBaseModel(runDir, session, fresh);
            Trainable trainable = parts.trainable();
            long baseParams = session.model().weights().parameterCount();
            out.printf(Locale.ROOT, "model %s: %,d parameters (frozen: %s); trainable: %s, %,d parameters (%.3f%%)%n",
                    session.folder().dir(), baseParams, trainable instanceof FullModelTrainable ? "no" : "yes",
                    trainable.describe(), trainable.parameterCount(), 100.0 * trainable.parameterCount() / baseParams);

            PromptTemplate template = PromptTemplate.of(cfg.data().promptTemplate());
            List<Example> train = Datasets.read(cfg.data(), cfg.data().trainSplit(), cfg.data().trainSubset());
            train = TrainingFilter.keepNonEmpty(train, cfg.data().path() + " " + cfg.data().trainSplit()).kept();
            if (train.isEmpty()) {
                throw new UserException(cfg.data().path() + ": the " + cfg.data().trainSplit() + " split has no examples to train on");
            }
            List<TokenizedExample> tokenized = TaskData.encoder(session, cfg.data()).encodeAll(train);
            Preflight.training(cfg, session, tokenized, out);
            Collator collator = TaskData.collator(session, cfg.data());
            int batch = cfg.train().batchSize();
            LengthBucketedSampler sampler = cfg.train().bucketByLength()
                    ? LengthBucketedSampler.of(tokenized, collator, batch, cfg.run().seed())
                    : unbucketed(tokenized, collator, batch, cfg.run().seed());
            TrainBatches plan = new TrainBatches(tokenized, sampler, collator);
            out.printf(Locale.ROOT, "data: %,d training examples from %s (%s), %d batches of %d per epoch%n",
                    train.size(), cfg.data().path(), cfg.data().trainSplit(), sampler.batchesPerEpoch(), batch);
            if (cfg.train().gradientCheckpointing()) {
                out.println("memory: gradient checkpointing on (each transformer block keeps only its input and is"
                        + " recomputed in the backward pass)");
            }

            List<EpochEndListener> listeners = new ArrayList<>(parts.listeners(session, runDir,
                    gradients.evaluation(session, trainable)));
            TrainerSettings settings = settings(cfg);
            GradientSource source = gradients.open(session, trainable, settings);
            Trainer trainer = new Trainer(settings, session.model(), trainable, plan, runDir, listeners,
                    new ConsoleProgress("train", System.err), StopSignal.installOnInterrupt(), source);
            trainerOut[0] = trainer;
            long trainStart = System.nanoTime();
            Trainer.Result result;
            try (GradientSource open = source) {
                result = trainer.train(!fresh);
            }
            parts.finish(result, runDir, out);
            RunSummary.write(runDir, cfg.peft().method().configName(), trainable.describe(), session.folder().dir(),
                    baseParams, trainable.parameterCount(), result, (System.nanoTime() - trainStart) / 1e9,
                    source.summary());
            String took = String.format(Locale.ROOT, "%.1f min", (System.nanoTime() - start) / 60e9);
            out.println(result.adapterDir() != null
                    ? result.message() + " in " + took + ". Result: " + result.adapterDir()
                    : result.message().replaceAll("\\.$", "") + " (after " + took + ")");
            return result;
        }
    }

    /** The identity of the base model a run trains on; a resume must find the same model at model.path. */
    static final String BASE_MODEL = "base_model.json";

    private static void checkBaseModel(Path runDir, ModelSession session, boolean fresh) {
        ModelIdentity now = ModelIdentity.of(session.folder());
        Path file = runDir.resolve(BASE_MODEL);
        if (fresh) {
            Json.write(file, now.toJson(session.folder().dir()));
            return;
        }
        if (!Files.isRegularFile(file)) {
            return; // a run from before the record: nothing to compare with
        }
        JsonNode then = Json.read(file);
        String diff = ModelIdentity.fromJson(then).difference(now);
        if (diff != null) {
            throw new UserException(runDir + ": --resume: the base model at " + session.folder().dir() + " is not the one"
                    + " this run trained on (" + then.path("path").asText() + ", recorded in " + BASE_MODEL + "): "
                    + diff + "; put the original model back at model.path");
        }
    }

    private static void removeRunFolder(Path runDir, boolean existed) {
        if (existed) {
            // The user's (empty) folder stays; what this attempt put in it goes.
            try (Stream<Path> s = Files.list(runDir)) {
                s.forEach(AtomicFiles::deleteRecursively);
            } catch (IOException ignored) {
                // best effort
            }
        } else {
            AtomicFiles.deleteRecursively(runDir);
        }
    }

    public static TrainerSettings settings(TrainerConfig c) {
        var t = c.train();
        var o = c.optim();
        int epochs = t.epochs().isPresent() ? t.epochs().getAsInt() : 0;
        int maxSteps = t.maxSteps().isPresent() ? t.maxSteps().getAsInt() : -1;
        return new TrainerSettings(epochs, maxSteps, t.gradAccumSteps(), t.maxGradNorm(), o.lr(), o.weightDecay(),
                o.beta1(), o.beta2(), o.eps(), LrSchedule.Kind.parse(o.schedule().name().configName()),
                o.schedule().warmupSteps(), o.schedule().warmupRatio(), o.schedule().finalLr(), c.run().seed(),
                t.logEvery(), t.checkpointEveryEpoch(), t.keepCheckpoints(),
                TrainerSettings.NonfinitePolicy.valueOf(t.nonfinite().policy().name()), t.nonfinite().maxSkips(),
                c.eval().everyEpoch() ? c.eval().metric().configName() : null, c.eval().earlyStoppingPatience(),
                t.checkpointEverySteps(), t.gradientCheckpointing());
    }

    /** bucket_by_length = false: a plain seeded shuffle (chunks of one batch are not sorted across batches). */
    private static LengthBucketedSampler unbucketed(List<TokenizedExample> ex, Collator collator, int batch, long seed) {
        int[] zeros = new int[ex.size()];
        return new LengthBucketedSampler(zeros, zeros, batch, seed, 1, false);
    }

    /**
     * No files but hidden ones (temporaries, the lock, the marker) that a kill left before the run saved its config,
     * so nothing of the run exists yet.
     */
    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            return false;
        }
    }
}
