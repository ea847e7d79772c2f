package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.Map;
import org.pefttrainer.core.model.ModelHooks;

/**
 * What a training run optimises: a LoRA adapter, a soft prompt, or the full model. The trainer only sees named
 * arrays that require gradients, the hooks they put on the forward pass ({@link ModelHooks#attach}), and how to save
 * the result.
 */
public interface Trainable extends ModelHooks {
    /** Arrays that require gradients, by stable name (PEFT key names for adapters), in a fixed order. */
    Map<String, NDArray> parameters();

    /** Writes the user-facing result (a PEFT adapter folder, or a HF model folder) into the existing folder {@code dir}. */
    void saveTo(Path dir);

    /** One line for the log, e.g. "LoRA r=8 on 36 modules". */
    String describe();

    default long parameterCount() {
        long n = 0;
        for (NDArray a : parameters().values()) {
            n += a.getShape().size();
        }
        return n;
    }
}
