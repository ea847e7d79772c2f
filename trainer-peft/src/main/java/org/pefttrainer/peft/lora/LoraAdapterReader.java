package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.adapter.ConfigReader;

/**
 * Reads a LoRA adapter folder onto a base model, checking it against the model the way loading it into PEFT would
 * fail or silently misbehave: every tensor must be a LoRA matrix of a module that target_modules selects on this
 * model, every selected module must have both matrices, and shapes must be [r, in] and [out, r] with r from the
 * config and in/out from the base weights.
 */
public final class LoraAdapterReader {
    private LoraAdapterReader() {}

    public static LoraModel read(Path dir, ConfigReader configJson, LanguageModel base, NDManager manager, String name) {
        return LoraModel.of(readWeights(dir, configJson, ModelLayout.of(base), name), manager);
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
        List<String> modules = LoraTargets.select(config.targetModules(), base, where);
        LoraConfig resolved = LoraModel.resolve(config, base, where);
        try (SafetensorsReader file = AdapterFolder.openWeights(dir)) {
            Map<String, String> keyA = new HashMap<>();
            Map<String, String> keyB = new HashMap<>();
            index(file, base, new HashSet<>(modules), config, keyA, keyB);
            for (String module : modules) {
                for (Map<String, String> keys : List.of(keyA, keyB)) {
                    if (!keys.containsKey(module)) {
                        String expected = keys == keyA ? LoraKeys.a(module) : LoraKeys.b(module);
                        throw new UserException(file.path() + ": no tensor '" + expected + "', but target_modules "
                                + config.targetModules() + " in " + AdapterFolder.CONFIG + " selects module '" + module
                                + "' of the base model");
                    }
                }
            }
            int r = config.r();
            Map<String, LoraWeights.Matrices> matrices = new LinkedHashMap<>();
            for (String module : modules) {
                long[] w = base.outIn(module);
                int out = (int) w[0];
                int in = (int) w[1];
                matrices.put(module, new LoraWeights.Matrices(r, in, out,
                        read(file, keyA.get(module), new long[] {r, in}, module, r, true),
                        read(file, keyB.get(module), new long[] {out, r}, module, r, false)));
            }
            return new LoraWeights(name, resolved, matrices);
        }
    }

    /** Sorts the file's tensors into A and B keys by module, refusing anything else. */
    private static void index(SafetensorsReader file, ModelLayout base, Set<String> selected, LoraConfig config,
            Map<String, String> keyA, Map<String, String> keyB) {
        Set<String> linear = new HashSet<>(base.linearModules());
        for (String key : file.tensors().keySet()) {
            LoraKeys.Key k = LoraKeys.parse(key);
            if (k == null) {
                throw new UserException(file.path() + ": unexpected tensor '" + key + "' (a LoRA adapter holds only "
                        + LoraKeys.PREFIX + "<module>.lora_A.weight and .lora_B.weight; bias and modules_to_save "
                        + "tensors are not supported)");
            }
            if (!linear.contains(k.module())) {
                throw new UserException(file.path() + ": tensor '" + key + "' is for module '" + k.module() + "', but "
                        + base.architecture() + " has no linear layer of that name");
            }
            if (!selected.contains(k.module())) {
                throw new UserException(file.path() + ": tensor '" + key + "' is for module '" + k.module()
                        + "', which target_modules " + config.targetModules() + " in " + AdapterFolder.CONFIG
                        + " does not select");
            }
            String previous = (k.isA() ? keyA : keyB).put(k.module(), key);
            if (previous != null) {
                throw new UserException(file.path() + ": tensors '" + previous + "' and '" + key
                        + "' are the same LoRA matrix");
            }
        }
    }

    private static float[] read(SafetensorsReader file, String key, long[] expected, String module, int r,
            boolean isA) {
        TensorInfo t = file.info(key);
        if (!Arrays.equals(t.shape(), expected)) {
            String dims = isA ? "[r, in_features]" : "[out_features, r]";
            throw new UserException(file.path() + ": tensor '" + key + "' has shape " + t.shapeString() + ", expected "
                    + dims + " = " + Arrays.toString(expected) + " (r=" + r + " from " + AdapterFolder.CONFIG + ", "
                    + (isA ? "in" : "out") + "_features=" + expected[isA ? 1 : 0] + " of the base model's '" + module
                    + ".weight')");
        }
        if (!t.dtype().isFloating()) {
            throw new UserException(file.path() + ": tensor '" + key + "' has dtype " + t.dtype()
                    + ", expected F32, F16 or BF16");
        }
        return AdapterFolder.readFinite(file, key);
    }
}
