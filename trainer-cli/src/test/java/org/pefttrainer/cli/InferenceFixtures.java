package org.pefttrainer.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * A small random T5 model folder with a word-level tokenizer over "w0 w1 ... w159", two LoRA adapters of ranks 2
 * and 6 (A and B random, so they change the outputs) and a soft prompt of 3 tokens, for the generate, serve and
 * merge command tests.
 */
public final class InferenceFixtures {
    public final Path model;
    public final Path loraA;
    public final Path loraB;
    public final Path prompt;

    public InferenceFixtures(Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 160; i++) {
            sb.append('w').append(i).append(' ');
        }
        Files.writeString(corpus, sb.toString());
        T5Config c = new T5Config(200, 32, 8, 64, 2, 2, 4, 32, 128, 0.1, 1e-6, "relu", false, true, 0, 1, 0);
        model = dir.resolve("model");
        ModelInitializer.initialize(model, c.toJson(), ModelInitializer.TokenizerSource.build(List.of(corpus), 200), 5,
                DType.F32, 0, true);
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model base = T5Loader.load(HfModelFolder.open(model), m, null);
            loraA = saveLora(dir.resolve("lora-a"), base, 2, 32, 1, TargetModules.names("q", "v"), m);
            loraB = saveLora(dir.resolve("lora-b"), base, 6, 24, 2, TargetModules.allLinear(), m);
            prompt = dir.resolve("prompt");
            try (SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(3).build(), 3, null, m)) {
                p.save(prompt);
            }
        }
    }

    private static Path saveLora(Path dir, T5Model base, int r, double alpha, long seed, TargetModules targets,
            NDManager m) {
        LoraConfig config = LoraConfig.builder().r(r).loraAlpha(alpha).targetModules(targets)
                .initLoraWeights(LoraInit.NONE).build();
        try (LoraModel l = LoraModel.create(base, config, seed, m)) {
            l.save(dir);
        }
        return dir;
    }

    /** Some model input of real words. */
    public static String text(int i) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 3 + i % 5; k++) {
            sb.append('w').append((i * 37 + k * 11) % 150 + 3).append(' ');
        }
        return sb.toString().strip();
    }
}
