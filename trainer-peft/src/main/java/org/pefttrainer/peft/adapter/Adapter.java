package org.pefttrainer.peft.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelHooks;
import org.pefttrainer.core.model.ParameterHook;

/**
 * One adapter attached to a frozen base model: its trainable arrays (named with the keys PEFT saves them under) and
 * the hooks through which they enter the forward pass. The trainer optimises exactly {@link #trainableParameters()}
 * and saves them with {@link #save(Path)}; the base model's weights never require gradients.
 *
 * <p>The arrays live in a manager of the adapter's own (a child of the manager passed at creation), closed by
 * {@link #close()}. They are created with {@code requiresGradient(true)}; DJL only records gradients inside a
 * GradientCollector, so inference is not slowed by it.
 */
public interface Adapter extends ModelHooks, AutoCloseable {
    /** PEFT's name for the single adapter of a model, used unless the caller names it. */
    String DEFAULT_NAME = "default";

    String name();

    AdapterType type();

    AdapterConfig config();

    /** The trainable arrays in PEFT's order and under PEFT's saved key names (unmodifiable). */
    Map<String, NDArray> trainableParameters();

    default long trainableParameterCount() {
        long n = 0;
        for (NDArray a : trainableParameters().values()) {
            n += a.getShape().size();
        }
        return n;
    }

    /** What the adapter adds to the model's projections, or null. */
    LinearHook linearHook();

    /** How the adapter rewrites the encoder's input embeddings and mask, or null. */
    InputEmbeddingHook inputEmbeddingHook();

    /** The base parameters the adapter replaces (trained biases, modules_to_save copies), or null. */
    default ParameterHook parameterHook() {
        return null;
    }

    /** {@code ctx} with this adapter's hooks in effect. */
    @Override
    default ForwardContext attach(ForwardContext ctx) {
        return ctx.withHooks(linearHook(), inputEmbeddingHook(), parameterHook());
    }

    /**
     * Writes the adapter folder as PEFT's {@code save_pretrained} does (adapter_config.json and
     * adapter_model.safetensors), atomically: the folder is built under a temporary name and renamed into place. An
     * existing adapter folder at {@code dir} is replaced; any other existing non-empty folder is refused.
     */
    default void save(Path dir) {
        AdapterFolder.write(dir, config(), trainableParameters());
    }

    @Override
    void close();
}
