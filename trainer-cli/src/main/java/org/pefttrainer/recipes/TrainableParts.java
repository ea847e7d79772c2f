package org.pefttrainer.recipes;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.train.EpochEndListener;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;

/** The trainable part of a fine-tuning job (chosen by peft.method) and what goes with it. */
final class TrainableParts implements AutoCloseable {
    private final TrainerConfig cfg;
    private final Trainable trainable;

    private TrainableParts(TrainerConfig cfg, Trainable trainable) {
        this.cfg = cfg;
        this.trainable = trainable;
    }

    static TrainableParts create(TrainerConfig cfg, ModelSession session) {
        switch (cfg.peft().method()) {
            case FULL:
                return new TrainableParts(cfg, new FullModelTrainable(session.model(), session.folder()));
            case NONE:
                throw new UserException("peft.method = none has nothing to train (it is for peft eval / generate)");
            default:
                throw new UserException("peft.method = " + cfg.peft().method().configName() + " is not wired yet");
        }
    }

    Trainable trainable() {
        return trainable;
    }

    List<EpochEndListener> listeners(ModelSession session, Path runDir) {
        return List.of();
    }

    void finish(Trainer.Result result, Path runDir, PrintStream out) {}

    @Override
    public void close() {}
}
