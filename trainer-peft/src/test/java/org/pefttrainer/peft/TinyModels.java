package org.pefttrainer.peft;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * Small random T5 model folders (word-level tokenizer "w0 w1 ...") and adapters saved as PEFT folders, for tests
 * that need files on disk: merging, the adapter registry. LoRA adapters are created with init "false" (A and B both
 * random) so that they change the outputs.
 */
public final class TinyModels {
    private TinyModels() {}

    /** T5 v1.0-style (relu, tied) unless {@code gated}; 32 buckets / max distance 128 as the real models. */
    public static T5Config config(int vocab, int dModel, int layers, boolean gated, boolean tied) {
        return org.pefttrainer.core.testing.TinyT5.config(vocab, dModel, 8, dModel / 8, 2 * dModel, layers, layers,
                gated, tied, 0.1);
    }

    public static Path write(Path out, T5Config c, long seed, DType dtype, long maxShardBytes) {
        return org.pefttrainer.core.testing.TinyT5.write(out, c, seed, dtype, maxShardBytes);
    }

    /** A LoRA adapter with random A and B saved at {@code dir}. */
    public static Path lora(Path dir, Seq2SeqLM base, int r, double alpha, boolean rslora, long seed,
            String... targets) {
        LoraConfig config = LoraConfig.builder().r(r).loraAlpha(alpha).useRslora(rslora)
                .targetModules(targets.length == 1 && targets[0].equals("all-linear") ? TargetModules.allLinear()
                        : TargetModules.names(List.of(targets)))
                .initLoraWeights(LoraInit.NONE).baseModelNameOrPath("tiny").build();
        try (NDManager m = NDManager.newBaseManager(); LoraModel l = LoraModel.create(base, config, seed, m)) {
            l.save(dir);
        }
        return dir;
    }

    /** A prompt-tuning adapter of {@code n} virtual tokens (random N(0, 1) table) saved at {@code dir}. */
    public static Path prompt(Path dir, Seq2SeqLM base, int n, long seed) {
        try (NDManager m = NDManager.newBaseManager();
                SoftPrompt p = SoftPrompt.create(base, PromptTuningConfig.builder(n).build(), seed, null, m)) {
            p.save(dir);
        }
        return dir;
    }
}
