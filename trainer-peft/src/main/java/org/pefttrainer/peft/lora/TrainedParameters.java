package org.pefttrainer.peft.lora;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.model.ModelLayout;

/**
 * The base parameters a LoRA config trains besides A and B, as PEFT 0.13.2 marks them trainable: with bias "all"
 * every parameter whose name contains "bias" (T5's relative_attention_bias tables included, as in PEFT), with
 * "lora_only" the biases of the adapted modules, and every parameter of a modules_to_save module (a module whose
 * name ends with an entry, PEFT's _set_trainable). Tied names count once, under the name the model stores.
 */
public final class TrainedParameters {
    private TrainedParameters() {}

    /** In the layout's parameter order; {@code adapted} are the modules that get LoRA. */
    public static List<String> select(LoraConfig config, ModelLayout layout, List<String> adapted) {
        Set<String> out = new LinkedHashSet<>();
        Set<String> wrapped = Set.copyOf(adapted);
        for (String p : layout.parameterShapes().keySet()) {
            String owner = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "";
            boolean bias = switch (config.bias()) {
                case "all" -> p.contains("bias");
                case "lora_only" -> wrapped.contains(owner) && p.endsWith(".bias");
                default -> false;
            };
            if (bias || savedModule(config, p)) {
                out.add(p);
            }
        }
        // A modules_to_save entry may name a tied module (GPT-2's lm_head): its copy is the alias's own tensor.
        for (String alias : layout.aliases().keySet()) {
            if (savedModule(config, alias)) {
                out.add(alias);
            }
        }
        return new ArrayList<>(out);
    }

    /** Whether parameter {@code p} belongs to a module (or a container of it) that modules_to_save names. */
    private static boolean savedModule(LoraConfig config, String p) {
        String m = p;
        while (m.contains(".")) {
            m = m.substring(0, m.lastIndexOf('.'));
            if (config.savesModule(m)) {
                return true;
            }
        }
        return false;
    }
}
