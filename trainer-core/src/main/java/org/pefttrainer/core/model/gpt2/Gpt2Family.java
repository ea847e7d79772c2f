package org.pefttrainer.core.model.gpt2;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.TaskType;

/** GPT-2 (GPT2LMHeadModel; checkpoints saved from GPT2Model name tensors without "transformer."). */
public final class Gpt2Family implements ModelFamily {
    @Override
    public List<String> modelTypes() {
        return List.of("gpt2");
    }

    @Override
    public TaskType taskType() {
        return TaskType.CAUSAL_LM;
    }

    @Override
    public LanguageModel load(HfModelFolder folder, NDManager manager, LoadOptions options) {
        options.requireNone(folder.architecture());
        return Gpt2Loader.load(folder, manager);
    }

    @Override
    public ModelLayout layout(JsonNode config, Path source) {
        return Gpt2Architecture.layout(Gpt2Config.fromJson(config, source));
    }

    @Override
    public java.util.Map<String, com.fasterxml.jackson.databind.node.ObjectNode> presets(String modelType) {
        com.fasterxml.jackson.databind.node.ObjectNode c = org.pefttrainer.core.io.Json.MAPPER.createObjectNode();
        c.put("model_type", "gpt2");
        c.putArray("architectures").add("GPT2LMHeadModel");
        c.put("n_embd", 64).put("n_layer", 2).put("n_head", 4).put("n_positions", 512)
                .put("activation_function", "gelu_new").put("layer_norm_epsilon", 1e-5).put("initializer_range", 0.02);
        return java.util.Map.of("tiny", c);
    }

    @Override
    public org.pefttrainer.core.model.SpecialTokens specialTokens(JsonNode config, Path source) {
        Gpt2Config c = Gpt2Config.fromJson(config, source);
        return org.pefttrainer.core.model.SpecialTokens.decoderOnly(c.padTokenId(), new int[] {c.eosTokenId()});
    }

    @Override
    public String describe(JsonNode config, Path source) {
        Gpt2Config c = Gpt2Config.fromJson(config, source);
        return String.format(java.util.Locale.ROOT, "n_embd %d, layers %d, heads %d, n_inner %d (%s), vocab %d,"
                + " %d learned positions, tied embeddings", c.nEmbd(), c.nLayer(), c.nHead(), c.nInner(),
                c.activation(), c.vocabSize(), c.nPositions());
    }

    @Override
    public List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source) {
        return Gpt2Loader.check(ckpt, Gpt2Config.fromJson(config, source));
    }

    @Override
    public String optionalNamePrefix() {
        return Gpt2Loader.PREFIX;
    }
}
