package org.pefttrainer.core.train;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.pefttrainer.core.model.LanguageModel;

/** The gradient computed in this process: every micro-batch of the group, each divided by G. */
public final class LocalGradients implements GradientSource {
    private final LanguageModel model;
    private final Trainable trainable;
    private final TrainerSettings settings;

    public LocalGradients(LanguageModel model, Trainable trainable, TrainerSettings settings) {
        this.model = model;
        this.trainable = trainable;
        this.settings = settings;
    }

    @Override
    public Accumulated accumulate(List<TrainBatch> group, int step, NDManager stepManager) {
        double lossSum = 0;
        long tokens = 0;
        for (int i = 0; i < group.size(); i++) {
            TrainBatch batch = group.get(i);
            float value = MicroBatch.run(model, trainable, batch, MicroBatch.dropoutSeed(settings.seed(), step, i),
                    settings.gradientCheckpointing(), group.size(), stepManager);
            lossSum += value;
            tokens += batch.tokens();
            if (!Float.isFinite(value)) {
                return new Accumulated(false, value, tokens);
            }
        }
        return new Accumulated(true, lossSum / group.size(), tokens);
    }
}
