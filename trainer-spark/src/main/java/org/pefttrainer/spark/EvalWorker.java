package org.pefttrainer.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.pefttrainer.core.data.PromptTemplate;
import org.pefttrainer.core.generate.GenerationSettings;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.train.ValidationLoss;
import org.pefttrainer.eval.evaluate.Evaluator;
import org.pefttrainer.recipes.EvaluateRecipe;
import org.pefttrainer.recipes.ModelSession;
import org.pefttrainer.recipes.TaskData;

/**
 * The executor side of a distributed evaluation: one partition of batches on the executor's cached base model and
 * adapters (mixed-adapter batches where rows name adapters), each computed exactly as the local run computes it.
 */
final class EvalWorker {
    private EvalWorker() {}

    /**
     * @param run    with {@code values}: the training run whose trainable part is evaluated (epoch-end evaluation)
     * @param values the trainable part's values, or null to evaluate the job's adapters (peft eval)
     */
    static Iterator<EvalBatch.Out> run(JobConfig job, String run, float[][] values, Iterator<EvalBatch> batches) {
        ExecutorModels.Loaded loaded = ExecutorModels.model(job);
        double load = ExecutorModels.takeLoadSeconds();
        // Spark's task threads start with autograd on; only a training pass should turn it on.
        org.pefttrainer.core.tensor.GradMode.disableOnThisThread();
        ModelSession session = loaded.session();
        var cfg = loaded.config().settings();
        BatchAdapters adapters = values == null ? ExecutorModels.adapters(job)
                : BatchAdapters.of(ExecutorModels.workerWith(job, run, org.apache.spark.TaskContext.getPartitionId(),
                        values));
        Evaluator evaluator = null;
        List<EvalBatch.Out> out = new ArrayList<>();
        while (batches.hasNext()) {
            EvalBatch b = batches.next();
            if (!out.isEmpty()) {
                load = 0;
            }
            if (b.prompts() != null) {
                if (evaluator == null) {
                    // Prompts come rendered and tokenized from the driver: no template or chat is needed here.
                    evaluator = new Evaluator(session.model(), session.tokenizer(),
                            PromptTemplate.of(cfg.data().promptTemplate()), EvaluateRecipe.evaluatorSettings(cfg,
                                    GenerationSettings.of(cfg.generation(), session.folder()).settings()), null);
                }
                Evaluator.BatchOutput r;
                try (BatchAdapters.Hooks hooks = adapters.open(b.rowAdapters())) {
                    r = evaluator.generate(java.util.Arrays.asList(b.prompts()), session.root(), hooks);
                }
                out.add(new EvalBatch.Out(b.index(), r.predictions(), r.generatedTokens(), null, null, load));
            } else {
                int[] idx = new int[b.lossExamples().size()];
                for (int k = 0; k < idx.length; k++) {
                    idx[k] = k;
                }
                ValidationLoss.Result r;
                try (BatchAdapters.Hooks hooks = adapters.open(b.rowAdapters())) {
                    r = ValidationLoss.batch(session.model(), b.lossExamples(), TaskData.collator(session,
                            cfg.data()), idx, session.root(), hooks);
                }
                out.add(new EvalBatch.Out(b.index(), null, 0, r.nllSums(), r.tokens(), load));
            }
        }
        return out.iterator();
    }
}
