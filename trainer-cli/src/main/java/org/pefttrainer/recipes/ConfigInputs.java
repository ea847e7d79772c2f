package org.pefttrainer.recipes;

import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.config.TrainerConfig;
import org.pefttrainer.core.io.OutputTarget;

/** What a train or eval config reads: the outputs of the job must not be, hold, or lie inside any of them. */
public final class ConfigInputs {
    private ConfigInputs() {}

    public static List<OutputTarget.Input> of(TrainerConfig cfg) {
        List<OutputTarget.Input> in = new ArrayList<>();
        in.add(new OutputTarget.Input("model.path", cfg.model().path()));
        in.add(new OutputTarget.Input("data.path", cfg.data().path()));
        cfg.adapter().ifPresent(a -> in.add(new OutputTarget.Input("adapter", a)));
        return in;
    }
}
