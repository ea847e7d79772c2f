package org.pefttrainer.core.model.llama;

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

/** Llama and the models of its shape: Mistral (within its sliding window) and Qwen2 (biases on q, k, v). */
public final class LlamaFamily implements ModelFamily {
    @Override
    public List<String> modelTypes() {
        return List.of("llama", "mistral", "qwen2");
    }

    @Override
    public TaskType taskType() {
        return TaskType.CAUSAL_LM;
    }

    @Override
    public LanguageModel load(HfModelFolder folder, NDManager manager, LoadOptions options) {
        options.requireNone(folder.architecture());
        return LlamaLoader.load(folder, manager);
    }

    @Override
    public ModelLayout layout(JsonNode config, Path source) {
        return LlamaArchitecture.layout(LlamaConfig.fromJson(config, source),
                config.path("architectures").path(0).asText("LlamaForCausalLM"));
    }

    @Override
    public java.util.Map<String, com.fasterxml.jackson.databind.node.ObjectNode> presets(String modelType) {
        boolean qwen2 = modelType.equals("qwen2");
        com.fasterxml.jackson.databind.node.ObjectNode c = org.pefttrainer.core.io.Json.MAPPER.createObjectNode();
        c.put("model_type", modelType);
        c.putArray("architectures").add(qwen2 ? "Qwen2ForCausalLM" : modelType.equals("mistral")
                ? "MistralForCausalLM" : "LlamaForCausalLM");
        c.put("hidden_size", 64).put("intermediate_size", 128).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 512)
                .put("rms_norm_eps", 1e-6).put("rope_theta", qwen2 ? 1000000.0 : 10000.0)
                .put("hidden_act", "silu").put("tie_word_embeddings", qwen2).put("initializer_range", 0.02);
        return java.util.Map.of("tiny", c);
    }

    @Override
    public org.pefttrainer.core.model.SpecialTokens specialTokens(JsonNode config, Path source) {
        LlamaConfig c = LlamaConfig.fromJson(config, source);
        return org.pefttrainer.core.model.SpecialTokens.decoderOnly(c.padTokenId(), c.eosTokenIds());
    }

    @Override
    public String describe(JsonNode config, Path source) {
        LlamaConfig c = LlamaConfig.fromJson(config, source);
        return String.format(java.util.Locale.ROOT, "hidden %d, layers %d, heads %d (%d key/value), head_dim %d,"
                + " intermediate %d, vocab %d, %d positions, %s embeddings", c.hiddenSize(), c.numLayers(),
                c.numHeads(), c.numKeyValueHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.maxPositionEmbeddings(), c.tieWordEmbeddings() ? "tied" : "untied");
    }

    @Override
    public List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source) {
        return LlamaLoader.check(ckpt, LlamaConfig.fromJson(config, source));
    }
}
