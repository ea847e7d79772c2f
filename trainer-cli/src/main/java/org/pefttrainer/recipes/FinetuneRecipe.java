package org.pefttrainer.recipes;

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
import org.pefttrainer.core.train.ConsoleProgress;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.LrSchedule;
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

    /** Runs a fresh job ({@code resumeDir} null) or continues the run in {@code resumeDir}. */
    public static Trainer.Result run(LoadedConfig lc, Path resumeDir, PrintStream out) {
        TrainerConfig cfg = lc.settings();
        Path runDir = resumeDir != null ? resumeDir : cfg.run().runDir();
        if (resumeDir == null && Files.isDirectory(runDir) && !isEmpty(runDir)) {
            throw new UserException(runDir + ": run folder already exists (set run.name to another name, or continue"
                    + " it with --resume " + runDir + ")");
        }
        out.println("resolved config (" + lc.source() + "):");
        out.println(lc.rendered().strip());
        if (resumeDir == null) {
            AtomicFiles.writeString(runDir.resolve(SAVED_CONFIG), lc.rendered());
        }
        long start = System.nanoTime();
        try (ModelSession session = ModelSession.open(cfg);
                TrainableParts parts = TrainableParts.create(cfg, session)) {
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
            List<TokenizedExample> tokenized = TaskData.encoder(session, cfg.data().promptTemplate()).encodeAll(train);
            Collator collator = TaskData.collator(session, cfg.data());
            int batch = cfg.train().batchSize();
            LengthBucketedSampler sampler = cfg.train().bucketByLength()
                    ? LengthBucketedSampler.of(tokenized, collator, batch, cfg.run().seed())
                    : unbucketed(tokenized, collator, batch, cfg.run().seed());
            TrainBatches plan = new TrainBatches(tokenized, sampler, collator);
            out.printf(Locale.ROOT, "data: %,d training examples from %s (%s), %d batches of %d per epoch%n",
                    train.size(), cfg.data().path(), cfg.data().trainSplit(), sampler.batchesPerEpoch(), batch);

            List<EpochEndListener> listeners = new ArrayList<>(parts.listeners(session, runDir));
            Trainer trainer = new Trainer(settings(cfg), session.model(), trainable, plan, runDir, listeners,
                    new ConsoleProgress("train", System.err), StopSignal.installOnInterrupt());
            long trainStart = System.nanoTime();
            Trainer.Result result = trainer.train(resumeDir != null);
            parts.finish(result, runDir, out);
            RunSummary.write(runDir, cfg.peft().method().configName(), trainable.describe(), session.folder().dir(),
                    baseParams, trainable.parameterCount(), result, (System.nanoTime() - trainStart) / 1e9);
            out.printf(Locale.ROOT, "%s in %.1f min. %s%n", result.message(), (System.nanoTime() - start) / 60e9,
                    result.adapterDir() != null ? "Result: " + result.adapterDir() : "");
            return result;
        }
    }

    static TrainerSettings settings(TrainerConfig c) {
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
                t.checkpointEverySteps());
    }

    /** bucket_by_length = false: a plain seeded shuffle (chunks of one batch are not sorted across batches). */
    private static LengthBucketedSampler unbucketed(List<TokenizedExample> ex, Collator collator, int batch, long seed) {
        int[] zeros = new int[ex.size()];
        return new LengthBucketedSampler(zeros, zeros, batch, seed, 1, false);
    }

    /** No files but temporaries a kill left before the run saved its config (so nothing of the run exists yet). */
    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.allMatch(p -> p.getFileName().toString().startsWith(".")
                    && p.getFileName().toString().contains(".tmp-"));
        } catch (IOException e) {
            return false;
        }
    }
}
