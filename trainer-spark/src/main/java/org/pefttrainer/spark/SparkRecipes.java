package org.pefttrainer.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.LoadedConfig;
import org.pefttrainer.core.config.PeftConfig;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.train.GradientSource;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.core.train.TrainerSettings;
import org.pefttrainer.eval.evaluate.EvalResult;
import org.pefttrainer.recipes.ClusterRecipes;
import org.pefttrainer.recipes.EvaluateRecipe;
import org.pefttrainer.recipes.FinetuneRecipe;
import org.pefttrainer.recipes.ModelSession;

/**
 * {@code peft train} and {@code peft eval} on Spark: the local recipes, with the gradients (training) or the
 * generation and loss batches (evaluation) computed by executors. Found by {@link java.util.ServiceLoader}.
 */
public final class SparkRecipes implements ClusterRecipes {

    @Override
    public Trainer.Result train(LoadedConfig config, Path resumeDir, PrintStream out) {
        TrainerConfig cfg = config.settings();
        if (cfg.peft().method() == PeftConfig.Method.FULL) {
            throw new UserException("peft.method = full on Spark: every step would send all the model's weights to"
                    + " every worker and their gradients back; data-parallel training is for lora and prompt_tuning"
                    + " (docs/spark.md)");
        }
        try (JavaSparkContext sc = SparkContexts.open(cfg.spark(), "peft train " + cfg.run().name(), out)) {
            int slots = SparkContexts.slots(sc, cfg.spark(), cfg.spark().workers(), out);
            int workers = cfg.spark().workers() > 0 ? cfg.spark().workers() : slots;
            int accum = cfg.train().gradAccumSteps();
            out.printf(Locale.ROOT, "spark: data-parallel training on %d worker(s) (%d task slots): %s%n", workers,
                    slots, accum >= workers
                            ? "each runs whole micro-batches of every step and the driver adds their gradients in"
                            + " one process's order (bit-identical to a run without Spark)"
                            : "each runs its rows of every micro-batch (train.grad_accum_steps " + accum + " < "
                            + workers + " workers; equal to a run without Spark up to float rounding, bit-identical"
                            + " when train.grad_accum_steps >= spark.workers)");
            JobConfig job = JobConfig.of(config);
            String run = java.util.UUID.randomUUID().toString();
            return FinetuneRecipe.run(ParquetSplits.readable(sc, config, out), resumeDir, out,
                    new FinetuneRecipe.Gradients() {
                        @Override
                        public GradientSource open(ModelSession session, Trainable trainable,
                                TrainerSettings settings) {
                            return new DataParallelGradients(sc, job, trainable, workers, session, run);
                        }

                        @Override
                        public EvaluateRecipe.Backend evaluation(ModelSession session, Trainable trainable) {
                            // epoch-end evaluation of the adapter being trained, on the executors too
                            return new DistributedEval(sc, job, workers, out, trainable, run);
                        }
                    });
        }
    }

    @Override
    public EvalResult eval(LoadedConfig config, OutputTarget target, PrintStream out) {
        TrainerConfig cfg = config.settings();
        try (JavaSparkContext sc = SparkContexts.open(cfg.spark(), "peft eval " + cfg.run().name(), out)) {
            int slots = SparkContexts.slots(sc, cfg.spark(), cfg.spark().workers(), out);
            int partitions = cfg.spark().workers() > 0 ? cfg.spark().workers() : slots;
            DistributedEval backend = new DistributedEval(sc, JobConfig.of(config), partitions, out);
            EvalResult r = EvaluateRecipe.run(ParquetSplits.readable(sc, config, out), target, out, backend);
            if (cfg.spark().predictionsParquet()) {
                PredictionsParquet.write(sc, target.path(), out);
            }
            return r;
        }
    }
}
