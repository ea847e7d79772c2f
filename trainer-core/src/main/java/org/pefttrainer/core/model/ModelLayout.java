package org.pefttrainer.core.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;

/**
 * The names and shapes of a model's parameters without their values: what adapters are checked against. A loaded
 * model gives one ({@link #of(Seq2SeqLM)}), and so does a config alone (e.g. {@code T5Architecture.layout}), so that
 * adapter files can be validated and merged without loading the base weights.
 *
 * @param architecture    the transformers class name, e.g. T5ForConditionalGeneration
 * @param linearModules   every linear module (name without ".weight"), model order
 * @param parameterShapes every stored parameter by Hugging Face name
 * @param aliases         tied names and the parameter they resolve to (T5: embed_tokens, a tied lm_head → shared)
 * @param conv1dModules   linear modules whose weight is stored [in, out] (GPT-2's Conv1D) rather than [out, in]
 * @param taskType        what the model does, PEFT's task_type of its adapters
 * @param defaultLoraTargets PEFT's target_modules when an adapter config gives none (empty: PEFT has no default)
 * @param embeddingModules the embedding modules whose lookup goes through the linear hook (the input embedding of
 *                         decoder-only families; T5's encoder and decoder do not call PEFT's wrapper of "shared")
 */
public record ModelLayout(String architecture, List<String> linearModules, Map<String, long[]> parameterShapes,
        Map<String, String> aliases, java.util.Set<String> conv1dModules, TaskType taskType,
        List<String> defaultLoraTargets, List<String> embeddingModules) {

    public ModelLayout {
        defaultLoraTargets = List.copyOf(defaultLoraTargets);
        embeddingModules = List.copyOf(embeddingModules);
        linearModules = List.copyOf(linearModules);
        parameterShapes = Collections.unmodifiableMap(new LinkedHashMap<>(parameterShapes));
        aliases = Map.copyOf(aliases);
        conv1dModules = java.util.Set.copyOf(conv1dModules);
    }

    /** An encoder-decoder layout with nn.Linear weights. */
    public ModelLayout(String architecture, List<String> linearModules, Map<String, long[]> parameterShapes,
            Map<String, String> aliases) {
        this(architecture, linearModules, parameterShapes, aliases, java.util.Set.of(), TaskType.SEQ_2_SEQ_LM, List.of(),
                List.of());
    }

    /** Whether {@code module} is an embedding whose lookup takes LoRA (PEFT's lora.Embedding). */
    public boolean isEmbedding(String module) {
        return embeddingModules.contains(module);
    }

    /** Whether {@code module}'s weight is stored [in, out] (Conv1D: PEFT's fan_in_fan_out = true). */
    public boolean isConv1d(String module) {
        return conv1dModules.contains(module);
    }

    /**
     * [out, in] of a linear module, whatever the storage orientation; of an embedding [embedding_dim, num_embeddings]
     * (LoRA's B is [out, r] and A [r, in] for both).
     */
    public long[] outIn(String module) {
        long[] w = shape(module + ".weight");
        if (isEmbedding(module)) {
            return new long[] {w[1], w[0]};
        }
        return isConv1d(module) ? new long[] {w[1], w[0]} : w;
    }

    public static ModelLayout of(LanguageModel model) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        model.weights().arrays().forEach((name, a) -> shapes.put(name, a.getShape().getShape()));
        return new ModelLayout(model.architecture(), model.linearModules(), shapes, model.weights().aliases(),
                model.conv1dModules(), model.taskType(), model.defaultLoraTargets(), model.embeddingModules());
    }

    /** The stored parameter {@code name} stands for (itself unless it is a tied alias). */
    public String resolve(String name) {
        return aliases.getOrDefault(name, name);
    }

    public long[] shape(String name) {
        long[] s = parameterShapes.get(resolve(name));
        if (s == null) {
            throw new UserException(architecture + " has no parameter '" + name + "'");
        }
        return s.clone();
    }

    /** Every parameter name, tied aliases included. */
    public List<String> parameterNames() {
        List<String> names = new ArrayList<>(parameterShapes.keySet());
        names.addAll(aliases.keySet());
        return names;
    }
}
