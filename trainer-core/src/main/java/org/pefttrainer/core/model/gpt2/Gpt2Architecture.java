package org.pefttrainer.core.model.gpt2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.TaskType;

/**
 * GPT2LMHeadModel's parameter names (with the {@code transformer.} prefix, as save_pretrained writes them) and
 * shapes. Its projections are Conv1D: weights stored [in, out], the transpose of nn.Linear.
 */
public final class Gpt2Architecture {
    /** The projections, all Conv1D; LoRA on them is PEFT's fan_in_fan_out = true. */
    /** PEFT's default LoRA targets for gpt2. */
    public static final List<String> DEFAULT_LORA_TARGETS = List.of("c_attn");
    /** The embedding whose lookup takes LoRA (PEFT's lora.Embedding): the input embedding. */
    public static final List<String> EMBEDDING_MODULES = List.of("transformer.wte");
    public static final List<String> CONV1D = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");

    private Gpt2Architecture() {}

    public static Map<String, long[]> parameterShapes(Gpt2Config c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.nEmbd();
        m.put("transformer.wte.weight", new long[] {c.vocabSize(), d});
        m.put("transformer.wpe.weight", new long[] {c.nPositions(), d});
        for (int i = 0; i < c.nLayer(); i++) {
            String p = "transformer.h." + i + ".";
            norm(m, p + "ln_1", d);
            conv1d(m, p + "attn.c_attn", d, 3 * d);
            conv1d(m, p + "attn.c_proj", d, d);
            norm(m, p + "ln_2", d);
            conv1d(m, p + "mlp.c_fc", d, c.nInner());
            conv1d(m, p + "mlp.c_proj", c.nInner(), d);
        }
        norm(m, "transformer.ln_f", d);
        return m;
    }

    private static void norm(Map<String, long[]> m, String p, long d) {
        m.put(p + ".weight", new long[] {d});
        m.put(p + ".bias", new long[] {d});
    }

    private static void conv1d(Map<String, long[]> m, String p, long in, long out) {
        m.put(p + ".weight", new long[] {in, out});
        m.put(p + ".bias", new long[] {out});
    }

    /** Conv1D modules in model order, then lm_head (tied to wte; PEFT's all-linear skips it). */
    public static List<String> linearModules(Gpt2Config c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.nLayer(); i++) {
            for (String s : CONV1D) {
                out.add("transformer.h." + i + "." + s);
            }
        }
        out.add("lm_head");
        return out;
    }

    /** Every Conv1D module (all projections but the tied lm_head). */
    public static java.util.Set<String> conv1dModules(Gpt2Config c) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(linearModules(c));
        out.remove("lm_head");
        return out;
    }

    public static ModelLayout layout(Gpt2Config c) {
        return new ModelLayout("GPT2LMHeadModel", linearModules(c), parameterShapes(c),
                Map.of("lm_head.weight", "transformer.wte.weight"), conv1dModules(c), TaskType.CAUSAL_LM,
                DEFAULT_LORA_TARGETS, EMBEDDING_MODULES);
    }
}
