package org.pefttrainer.core.model.llama;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.TaskType;

/** The parameter names and shapes of a Llama-family model, as transformers names them. */
public final class LlamaArchitecture {
    private LlamaArchitecture() {}

    /** Every stored parameter; lm_head.weight only when untied. Weights are [out, in] (nn.Linear). */
    /** PEFT's default LoRA targets for llama, mistral and qwen2. */
    public static final List<String> DEFAULT_LORA_TARGETS = List.of("q_proj", "v_proj");
    /** The embedding whose lookup takes LoRA (PEFT's lora.Embedding): the input embedding. */
    public static final List<String> EMBEDDING_MODULES = List.of("model.embed_tokens");

    public static Map<String, long[]> parameterShapes(LlamaConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long ff = c.intermediateSize();
        m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            linear(m, p + "self_attn.q_proj", q, d, c.qkvBias());
            linear(m, p + "self_attn.k_proj", kv, d, c.qkvBias());
            linear(m, p + "self_attn.v_proj", kv, d, c.qkvBias());
            linear(m, p + "self_attn.o_proj", d, q, c.outputBias());
            linear(m, p + "mlp.gate_proj", ff, d, c.mlpBias());
            linear(m, p + "mlp.up_proj", ff, d, c.mlpBias());
            linear(m, p + "mlp.down_proj", d, ff, c.mlpBias());
            m.put(p + "input_layernorm.weight", new long[] {d});
            m.put(p + "post_attention_layernorm.weight", new long[] {d});
        }
        m.put("model.norm.weight", new long[] {d});
        if (!c.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {c.vocabSize(), d});
        }
        return m;
    }

    private static void linear(Map<String, long[]> m, String module, long out, long in, boolean bias) {
        m.put(module + ".weight", new long[] {out, in});
        if (bias) {
            m.put(module + ".bias", new long[] {out});
        }
    }

    /** The linear modules (names without ".weight") in model order, lm_head last (PEFT's all-linear skips it). */
    public static List<String> linearModules(LlamaConfig c) {
        List<String> out = new ArrayList<>();
        for (String name : parameterShapes(c).keySet()) {
            if (name.endsWith("_proj.weight")) {
                out.add(name.substring(0, name.length() - ".weight".length()));
            }
        }
        out.add("lm_head");
        return out;
    }

    public static ModelLayout layout(LlamaConfig c, String architecture) {
        Map<String, String> aliases = new LinkedHashMap<>();
        if (c.tieWordEmbeddings()) {
            aliases.put("lm_head.weight", "model.embed_tokens.weight");
        }
        return new ModelLayout(architecture, linearModules(c), parameterShapes(c), aliases, java.util.Set.of(),
                TaskType.CAUSAL_LM, DEFAULT_LORA_TARGETS, EMBEDDING_MODULES);
    }
}
