package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.adapter.AdapterTensors;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * Reads a LoRA adapter folder (adapter_model.safetensors or .bin) onto a base model, checking it against the model
 * the way loading it into PEFT would fail or silently misbehave: every LoRA tensor must belong to a module that
 * target_modules (with layers_to_transform) selects on this model, every selected module must have A and B (and a
 * magnitude exactly when use_dora), shapes must be [r, in] and [out, r] with the module's r (rank_pattern) and
 * in/out from the base weights. Any other tensor must name a base parameter of the same shape (trained biases,
 * modules_to_save copies, saved embedding layers): PEFT loads those over the base values, and so does this reader.
 */
public final class LoraAdapterReader {
    private LoraAdapterReader() {}

    public static LoraModel read(Path dir, ConfigReader configJson, LanguageModel base, NDManager manager, String name) {
        return LoraModel.of(readWeights(dir, configJson, ModelLayout.of(base), name), base, manager);
    }

    /** Reads a LoRA adapter folder as plain arrays, checked against a base model described by {@code base}. */
    public static LoraWeights readWeights(Path dir, ModelLayout base, String name) {
        return readWeights(dir, new ConfigReader(AdapterFolder.readConfig(dir), AdapterFolder.configFile(dir)), base,
                name);
    }

    public static LoraWeights readWeights(Path dir, ConfigReader configJson, ModelLayout base, String name) {
        LoraConfig config = LoraConfig.fromJson(configJson);
        String where = configJson.file().toString();
        String task = configJson.json().path("task_type").asText(null);
        if (task != null && !task.equals(base.taskType().peftName())) {
            // PEFT would wrap the base in another PeftModel class; the adapter was made for another kind of model
            throw configJson.error("task_type", "is '" + task + "', expected '" + base.taskType().peftName()
                    + "' (the base " + base.architecture() + " is " + (base.taskType().causal() ? "a decoder-only"
                    : "an encoder-decoder") + " model)");
        }
        List<String> modules = LoraTargets.select(config, base, where);
        LoraConfig resolved = LoraModel.resolve(config, base, where);
        if (config.useDora()) {
            for (String m : modules) {
                if (base.isEmbedding(m)) {
                    throw configJson.error("use_dora", "is true and target_modules selects the embedding '" + m
                            + "': DoRA on embeddings is not supported here");
                }
            }
        }
        try (AdapterTensors file = AdapterFolder.openWeights(dir)) {
            Map<String, Map<LoraKeys.Part, String>> keys = new LinkedHashMap<>();
            Map<String, String> overrideKeys = new LinkedHashMap<>();
            index(file, base, new LinkedHashSet<>(modules), config, keys, overrideKeys);
            Map<String, LoraWeights.Matrices> matrices = new LinkedHashMap<>();
            for (String module : modules) {
                boolean embedding = base.isEmbedding(module);
                Map<LoraKeys.Part, String> k = keys.getOrDefault(module, Map.of());
                LoraKeys.Part pa = LoraKeys.Part.a(embedding);
                LoraKeys.Part pb = LoraKeys.Part.b(embedding);
                for (LoraKeys.Part p : List.of(pa, pb)) {
                    if (!k.containsKey(p)) {
                        throw new UserException(file.path() + ": no tensor '" + LoraKeys.key(module, p)
                                + "', but target_modules " + config.targetModules() + " in " + AdapterFolder.CONFIG
                                + " selects module '" + module + "' of the base model");
                    }
                }
                if (config.useDora() != k.containsKey(LoraKeys.Part.MAGNITUDE)) {
                    throw new UserException(file.path() + (config.useDora() ? ": no tensor '"
                            + LoraKeys.magnitude(module) + "', but use_dora is true in " + AdapterFolder.CONFIG
                            : ": tensor '" + k.get(LoraKeys.Part.MAGNITUDE) + "' is a DoRA magnitude, but use_dora is "
                            + "false in " + AdapterFolder.CONFIG));
                }
                long[] w = base.outIn(module);
                int out = (int) w[0];
                int in = (int) w[1];
                int r = resolved.rankOf(module);
                String rWhy = "r=" + r + (r == config.r() ? "" : " from rank_pattern") + " in " + AdapterFolder.CONFIG;
                float[] a = file.readFinite(k.get(pa), new long[] {r, in}, "[r, " + (embedding ? "num_embeddings"
                        : "in_features") + "], " + rWhy + ", " + in + " from the base model's '" + module + ".weight'");
                float[] b = file.readFinite(k.get(pb), new long[] {out, r}, "[" + (embedding ? "embedding_dim"
                        : "out_features") + ", r], " + rWhy + ", " + out + " from the base model's '" + module
                        + ".weight'");
                float[] magnitude = config.useDora() ? file.readFinite(k.get(LoraKeys.Part.MAGNITUDE),
                        new long[] {out}, "one per output of '" + module + "'") : null;
                matrices.put(module, new LoraWeights.Matrices(r, in, out, a, b, magnitude, embedding));
            }
            Map<String, AdapterFolder.FloatTensor> overrides = new LinkedHashMap<>();
            overrideKeys.forEach((param, key) -> {
                long[] shape = base.shape(param);
                overrides.put(param, new AdapterFolder.FloatTensor(shape, file.readFinite(key, shape,
                        "the shape of the base model's '" + param + "', which it replaces")));
            });
            return new LoraWeights(name, resolved, matrices, overrides);
        }
    }

    /** Sorts the file's tensors by module and part, and the others by the base parameter they replace. */
    private static void index(AdapterTensors file, ModelLayout base, Set<String> selected, LoraConfig config,
            Map<String, Map<LoraKeys.Part, String>> keys, Map<String, String> overrideKeys) {
        Set<String> params = new java.util.HashSet<>(base.parameterNames());
        for (String key : file.tensors().keySet()) {
            LoraKeys.Key k = LoraKeys.parse(key);
            if (k == null) {
                String param = LoraKeys.parameter(key);
                if (param == null || !params.contains(param)) {
                    throw new UserException(file.path() + ": unexpected tensor '" + key + "' (a LoRA adapter holds "
                            + LoraKeys.PREFIX + "<module>.lora_A.weight / .lora_B.weight (.lora_embedding_A/B, "
                            + ".lora_magnitude_vector) and whole parameters of the base model, but " + base.architecture()
                            + " has no parameter '" + (param == null ? key : param) + "')");
                }
                String previous = overrideKeys.put(param, key);
                if (previous != null) {
                    throw new UserException(file.path() + ": tensors '" + previous + "' and '" + key + "' both replace '"
                            + param + "'");
                }
                continue;
            }
            boolean embeddingPart = k.part() == LoraKeys.Part.EMBEDDING_A || k.part() == LoraKeys.Part.EMBEDDING_B;
            boolean known = base.linearModules().contains(k.module()) || base.isEmbedding(k.module());
            if (!known || embeddingPart != base.isEmbedding(k.module())) {
                throw new UserException(file.path() + ": tensor '" + key + "' is for module '" + k.module() + "', but "
                        + base.architecture() + " has no " + (embeddingPart ? "embedding" : "linear layer")
                        + " of that name" + (known ? " (LoRA on an embedding is saved as lora_embedding_A/B, on a "
                        + "linear layer as lora_A/B)" : ""));
            }
            if (!selected.contains(k.module())) {
                throw new UserException(file.path() + ": tensor '" + key + "' is for module '" + k.module()
                        + "', which target_modules " + config.targetModules()
                        + (config.layersToTransform() == null ? "" : " with layers_to_transform "
                        + config.layersToTransform()) + " in " + AdapterFolder.CONFIG + " does not select");
            }
            String previous = keys.computeIfAbsent(k.module(), m -> new EnumMap<>(LoraKeys.Part.class))
                    .put(k.part(), key);
            if (previous != null) {
                throw new UserException(file.path() + ": tensors '" + previous + "' and '" + key
                        + "' are the same LoRA tensor");
            }
        }
    }
}
