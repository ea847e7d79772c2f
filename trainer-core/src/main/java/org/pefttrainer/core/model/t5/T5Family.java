package org.pefttrainer.core.model.t5;

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

/** T5, T5 v1.1 and FLAN-T5 (T5ForConditionalGeneration). */
public final class T5Family implements ModelFamily {
    @Override
    public List<String> modelTypes() {
        return List.of("t5");
    }

    @Override
    public TaskType taskType() {
        return TaskType.SEQ_2_SEQ_LM;
    }

    @Override
    public LanguageModel load(HfModelFolder folder, NDManager manager, LoadOptions options) {
        return T5Loader.load(folder, manager, options.configOverrides(), options.dropout());
    }

    @Override
    public ModelLayout layout(JsonNode config, Path source) {
        return T5Architecture.layout(T5Config.fromJson(config, source));
    }

    /**
     * tiny for smoke runs (tied embeddings with T5's d_model^-0.5 rescale keep a random tiny model's logits near unit
     * scale; an untied N(0, 1) lm_head would start with logits of std sqrt(d_model)), and the published shapes.
     */
    @Override
    public java.util.Map<String, com.fasterxml.jackson.databind.node.ObjectNode> presets(String modelType) {
        java.util.Map<String, com.fasterxml.jackson.databind.node.ObjectNode> p = new java.util.LinkedHashMap<>();
        p.put("tiny", new T5Config(0, 64, 16, 256, 2, 2, 4, 32, 128, 0.1, 1e-6, "gelu_new", true, true, 0, 1, 0).toJson());
        p.put("small", new T5Config(0, 512, 64, 2048, 6, 6, 8, 32, 128, 0.1, 1e-6, "relu", false, true, 0, 1, 0).toJson());
        p.put("flan-t5-small", new T5Config(0, 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0,
                1, 0).toJson());
        p.put("flan-t5-base", new T5Config(0, 768, 64, 2048, 12, 12, 12, 32, 128, 0.1, 1e-6, "gelu_new", true, false,
                0, 1, 0).toJson());
        p.put("flan-t5-large", new T5Config(0, 1024, 64, 2816, 24, 24, 16, 32, 128, 0.1, 1e-6, "gelu_new", true,
                false, 0, 1, 0).toJson());
        return p;
    }

    @Override
    public List<org.pefttrainer.core.io.hf.HfCheckpointWriter.Tensor> randomWeights(JsonNode config, long seed) {
        return T5RandomWeights.tensors(T5Config.fromJson(config, Path.of("config.json")), seed);
    }

    @Override
    public org.pefttrainer.core.model.SpecialTokens specialTokens(JsonNode config, Path source) {
        T5Config c = T5Config.fromJson(config, source);
        return new org.pefttrainer.core.model.SpecialTokens(c.padTokenId(), c.eosTokenId(), c.decoderStartTokenId());
    }

    @Override
    public String describe(JsonNode config, Path source) {
        T5Config c = T5Config.fromJson(config, source);
        return String.format(java.util.Locale.ROOT, "d_model %d, d_kv %d, heads %d, d_ff %d (%s%s), layers %d encoder"
                + " / %d decoder, vocab %d, %s embeddings, dropout %.2f", c.dModel(), c.dKv(), c.numHeads(), c.dFf(),
                c.gatedAct() ? "gated-" : "", c.denseActFn(), c.numLayers(), c.numDecoderLayers(), c.vocabSize(),
                c.tieWordEmbeddings() ? "tied" : "untied", c.dropoutRate());
    }

    @Override
    public List<List<String>> check(CheckpointReader ckpt, JsonNode config, Path source) {
        return T5Loader.check(ckpt, T5Config.fromJson(config, source));
    }
}
