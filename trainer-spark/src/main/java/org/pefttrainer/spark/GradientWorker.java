package org.pefttrainer.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.core.train.MicroBatch;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.TrainerSettings;
import org.pefttrainer.recipes.FinetuneRecipe;
import org.pefttrainer.recipes.ModelSession;

/**
 * The executor side of a data-parallel step: sets the worker's copy of the trainable part to the driver's values,
 * runs its share forward and backward, and returns the gradients. A task is a pure function of (values, share,
 * seed), so a task Spark retries on another executor returns the same gradients.
 */
final class GradientWorker {
    private GradientWorker() {}

    static GradientResult compute(JobConfig job, String run, GradientShare share, float[][] values) {
        long t0 = System.nanoTime();
        ExecutorModels.Loaded loaded = ExecutorModels.model(job);
        // Spark's task threads start with autograd on; only a training pass should turn it on.
        GradMode.disableOnThisThread();
        ModelSession session = loaded.session();
        Trainable trainable = ExecutorModels.workerWith(job, run, share.worker(), values);
        TrainerSettings settings = FinetuneRecipe.settings(loaded.config().settings());
        Map<String, NDArray> params = trainable.parameters();
        NDManager root = params.values().iterator().next().getManager();
        List<GradientResult.Partial> partials = new ArrayList<>();
        double rowsLoss = 0;
        long tokens = 0;
        try (NDManager step = root.newSubManager()) {
            for (GradientShare.Part part : share.parts()) {
                tokens += part.batch().tokens();
                long mine = MicroBatch.labelTokens(part.batch());
                if (mine == 0 && share.rows()) {
                    continue; // rows whose labels were all cut away add nothing to the micro-batch's mean
                }
                // Micro-batch j draws its dropout masks from (seed, step, j) as in a single process; rows of it on
                // several workers draw their own (dropout then makes the result depend on the number of workers).
                long seed = MicroBatch.dropoutSeed(settings.seed(), share.step(), part.micro())
                        + (share.rows() ? 0x632BE59BD9B4E019L * (share.worker() + 1) : 0);
                double divisor = share.rows() ? share.groupSize() * ((double) part.labelTokens() / mine)
                        : share.groupSize();
                float value = MicroBatch.run(session.model(), trainable, part.batch(), seed,
                        settings.gradientCheckpointing(), divisor, step);
                if (!Float.isFinite(value)) {
                    return new GradientResult(share.worker(), List.of(), tokens, false, value,
                            System.nanoTime() - t0, ExecutorModels.host());
                }
                if (share.rows()) {
                    rowsLoss += value * ((double) mine / part.labelTokens());
                } else {
                    partials.add(new GradientResult.Partial(part.micro(), share.worker(), takeGradients(params),
                            value));
                }
            }
        }
        if (share.rows()) {
            partials.add(new GradientResult.Partial(0, share.worker(), takeGradients(params), rowsLoss));
        }
        return new GradientResult(share.worker(), partials, tokens, true, 0, System.nanoTime() - t0,
                ExecutorModels.host());
    }

    /** The parameters' gradients as arrays, which are then zeroed for the next micro-batch. */
    private static float[][] takeGradients(Map<String, NDArray> params) {
        float[][] grads = new float[params.size()][];
        int i = 0;
        for (NDArray p : params.values()) {
            PtNDArray g = JniUtils.getGradient((PtNDArray) p);
            if (g == null) {
                grads[i++] = new float[Math.toIntExact(p.getShape().size())];
            } else {
                grads[i++] = g.toFloatArray();
                g.close();
            }
            JniUtils.zeroGrad((PtNDArray) p);
        }
        return grads;
    }
}
