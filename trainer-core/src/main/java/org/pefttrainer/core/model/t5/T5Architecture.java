package org.pefttrainer.core.model.t5;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.TaskType;

/** The parameter names and shapes of T5ForConditionalGeneration, exactly as transformers names them. */
public final class T5Architecture {
    /** Names under which checkpoints store the one shared embedding table. */
    /** PEFT's default LoRA targets for t5 (and mt5). */
    public static final List<String> DEFAULT_LORA_TARGETS = List.of("q", "v");
    public static final List<String> EMBEDDING_NAMES =
            List.of("shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight");

    private T5Architecture() {}

    /** Every parameter (the embedding once, as shared.weight; lm_head.weight only when untied). */
    public static Map<String, long[]> parameterShapes(T5Config c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.dModel();
        long inner = c.innerDim();
        m.put("shared.weight", new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "encoder.block." + i + ".";
            attention(m, b + "layer.0.SelfAttention", d, inner, i == 0 ? c : null);
            m.put(b + "layer.0.layer_norm.weight", new long[] {d});
            feedForward(m, b + "layer.1.DenseReluDense", c);
            m.put(b + "layer.1.layer_norm.weight", new long[] {d});
        }
        m.put("encoder.final_layer_norm.weight", new long[] {d});
        for (int i = 0; i < c.numDecoderLayers(); i++) {
            String b = "decoder.block." + i + ".";
            attention(m, b + "layer.0.SelfAttention", d, inner, i == 0 ? c : null);
            m.put(b + "layer.0.layer_norm.weight", new long[] {d});
            attention(m, b + "layer.1.EncDecAttention", d, inner, null);
            m.put(b + "layer.1.layer_norm.weight", new long[] {d});
            feedForward(m, b + "layer.2.DenseReluDense", c);
            m.put(b + "layer.2.layer_norm.weight", new long[] {d});
        }
        m.put("decoder.final_layer_norm.weight", new long[] {d});
        if (!c.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {c.vocabSize(), d});
        }
        return m;
    }

    /** Names and shapes of T5ForConditionalGeneration with config {@code c}, tied names as aliases of shared.weight. */
    public static ModelLayout layout(T5Config c) {
        Map<String, String> aliases = new LinkedHashMap<>();
        aliases.put("encoder.embed_tokens.weight", "shared.weight");
        aliases.put("decoder.embed_tokens.weight", "shared.weight");
        if (c.tieWordEmbeddings()) {
            aliases.put("lm_head.weight", "shared.weight");
        }
        return new ModelLayout("T5ForConditionalGeneration", linearModules(c), parameterShapes(c), aliases,
                java.util.Set.of(), TaskType.SEQ_2_SEQ_LM, DEFAULT_LORA_TARGETS, List.of());
    }

    /**
     * The linear modules (names without ".weight") in model order, lm_head last. These are the names LoRA targets
     * match against.
     */
    public static List<String> linearModules(T5Config c) {
        List<String> out = new ArrayList<>();
        for (String name : parameterShapes(c).keySet()) {
            if (name.endsWith(".weight") && !name.contains("layer_norm") && !name.contains("relative_attention_bias")
                    && !name.equals("shared.weight")) {
                out.add(name.substring(0, name.length() - ".weight".length()));
            }
        }
        if (c.tieWordEmbeddings()) {
            out.add("lm_head");
        }
        return out;
    }

    private static void attention(Map<String, long[]> m, String p, long d, long inner, T5Config withBias) {
        m.put(p + ".q.weight", new long[] {inner, d});
        m.put(p + ".k.weight", new long[] {inner, d});
        m.put(p + ".v.weight", new long[] {inner, d});
        m.put(p + ".o.weight", new long[] {d, inner});
        if (withBias != null) {
            m.put(p + ".relative_attention_bias.weight",
                    new long[] {withBias.relativeAttentionNumBuckets(), withBias.numHeads()});
        }
    }

    private static void feedForward(Map<String, long[]> m, String p, T5Config c) {
        if (c.gatedAct()) {
            m.put(p + ".wi_0.weight", new long[] {c.dFf(), c.dModel()});
            m.put(p + ".wi_1.weight", new long[] {c.dFf(), c.dModel()});
        } else {
            m.put(p + ".wi.weight", new long[] {c.dFf(), c.dModel()});
        }
        m.put(p + ".wo.weight", new long[] {c.dModel(), c.dFf()});
    }
}
