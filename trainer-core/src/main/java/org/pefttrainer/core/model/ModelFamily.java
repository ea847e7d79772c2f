package org.pefttrainer.core.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;

/**
 * Everything the rest of the tool needs to know about one model family, so that LoRA, prompt tuning, merging,
 * serving and the recipes never name a family: its config.json model_types, its task type, how to load a folder
 * and lay out its parameters from the config alone, and how its checkpoints may name tensors. Each family's folder
 * has one implementation; {@code registry.Architectures} lists them.
 */
public interface ModelFamily {
    /** config.json model_type values this family reads. */
    List<String> modelTypes();

    TaskType taskType();

    /** Loads the folder's weights (fp32) with {@code options}; a family that cannot apply an option says so. */
    LanguageModel load(HfModelFolder folder, NDManager manager, LoadOptions options);

    /** Parameter names and shapes (and PEFT's defaults) from config.json alone. */
    ModelLayout layout(JsonNode config, Path source);

    /** [missing, unexpected] tensor names of a checkpoint against the config (headers only). */
    List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source);

    /**
     * init-model's size presets: name → config.json of model_type {@code modelType} (one of {@link #modelTypes()}),
     * "tiny" first; vocab_size is set from the tokenizer when the folder is written.
     */
    Map<String, com.fasterxml.jackson.databind.node.ObjectNode> presets(String modelType);

    /**
     * Random weights of {@code config}'s shapes, drawn as transformers initialises the family: by default its
     * _init_weights for decoder-only models (normal(0, initializer_range), norms 1, biases 0).
     */
    default List<org.pefttrainer.core.io.hf.HfCheckpointWriter.Tensor> randomWeights(JsonNode config, long seed) {
        return NormalInit.tensors(layout(config, Path.of("config.json")),
                config.path("initializer_range").asDouble(0.02), seed);
    }

    /** The special ids of {@code config}, with the family's defaults for the keys it leaves out. */
    SpecialTokens specialTokens(JsonNode config, Path source);

    /** The shapes that matter, in one line for {@code peft inspect}. */
    String describe(JsonNode config, Path source);

    /**
     * A prefix some checkpoints of the family leave out of tensor names (GPT-2's "transformer.": the hub's gpt2 was
     * saved from GPT2Model, not GPT2LMHeadModel), or "" when names are always the model's own.
     */
    default String optionalNamePrefix() {
        return "";
    }

    /**
     * What the config adds on loading: {@code model.config_overrides} (config.json keys replaced) and
     * {@code model.dropout}. {@link #NONE} for neither.
     */
    record LoadOptions(Map<String, Object> configOverrides, Double dropout) {
        public static final LoadOptions NONE = new LoadOptions(Map.of(), null);

        public LoadOptions {
            configOverrides = Map.copyOf(configOverrides);
        }

        public boolean none() {
            return configOverrides.isEmpty() && dropout == null;
        }

        /** The error of a family that takes neither option yet. */
        public void requireNone(String architecture) {
            if (!none()) {
                throw new org.pefttrainer.core.UserException("model.config_overrides and model.dropout are not"
                        + " supported for " + architecture + " yet (T5 takes them)");
            }
        }
    }
}
