package org.pefttrainer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraInitializer;
import org.pefttrainer.peft.lora.LoraTargets;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.lora.TargetModules;

/**
 * Random LoRA adapter folders for the benchmarks, made from a model's layout alone (no weights loaded), with A and B
 * both random (init "false") so that they do change the outputs.
 */
final class BenchAdapters {
    private BenchAdapters() {}

    /**
     * A random adapter (A and B) on {@code targets}: module names, "all-linear", or "default" (PEFT's default for
     * the architecture: q, v; q_proj, v_proj; c_attn). Conv1D modules (GPT-2) get fan_in_fan_out as PEFT sets it.
     */
    static Path lora(Path dir, ModelLayout layout, int r, List<String> targets, long seed) {
        TargetModules t = targets(targets);
        List<String> modules = LoraTargets.select(t, layout, "bench");
        LoraConfig config = LoraConfig.builder().r(r).loraAlpha(2.0 * r).targetModules(t).initLoraWeights(LoraInit.NONE)
                .fanInFanOut(modules.stream().anyMatch(layout::isConv1d)).build();
        Map<String, LoraWeights.Matrices> m = new LinkedHashMap<>();
        for (String module : modules) {
            long[] w = layout.outIn(module);
            float[][] ab = LoraInitializer.initialise(LoraInit.NONE, module, r, (int) w[1], (int) w[0], seed);
            m.put(module, new LoraWeights.Matrices(r, (int) w[1], (int) w[0], ab[0], ab[1]));
        }
        LoraConfig resolved = config.withTargetModules(LoraTargets.resolve(t, layout, "bench")).withTaskType(layout.taskType().peftName());
        new LoraWeights("bench", resolved, m).save(dir);
        return dir;
    }

    static TargetModules targets(List<String> targets) {
        if (targets.size() == 1 && targets.get(0).equals("default")) {
            return null;
        }
        return targets.size() == 1 && targets.get(0).equals("all-linear") ? TargetModules.allLinear()
                : TargetModules.names(targets);
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UserException("cannot create a temporary folder (" + e.getMessage() + ")", e);
        }
    }

    static List<String> list(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
