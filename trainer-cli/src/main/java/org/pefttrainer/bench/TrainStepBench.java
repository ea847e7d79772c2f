package org.pefttrainer.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.pefttrainer.core.ProcessMemory;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.train.LrSchedule;
import org.pefttrainer.core.train.TrainBatch;
import org.pefttrainer.core.train.TrainProgress;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.core.train.Trainer;
import org.pefttrainer.core.train.TrainerSettings;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.recipes.AdapterTrainable;
import org.pefttrainer.recipes.FullModelTrainable;

/**
 * One training-step configuration through the real {@link Trainer} loop, timed per optimizer update: the same
 * setting as tools/reference/bench_train_step.py (random weights of a config's shape, random ids with no padding,
 * train mode, LoRA r=8 alpha=32 dropout 0.05 on q,v or every weight, AdamW). Runs in its own JVM (started by
 * {@code peft bench train-step}) so that each mode's peak RSS is its own; prints one JSON line.
 *
 * For a decoder-only config the batch is one sequence of SRC + TGT tokens per row (see {@link #causal}).
 *
 * <p>Arguments: {@code CONFIG_JSON MODE(lora|dora|full) BATCH SRC TGT WARMUP STEPS [LABELS(target|all)
 * [GRADIENT_CHECKPOINTING(true|false)]]}.
 *
 * <p>Memory breakdown (MiB): runtime = resident before the model loads (JVM, PyTorch); weights = the fp32 base;
 * adapter + optimizer = the trainable parameters with their gradient and AdamW's two moments (4 fp32 copies);
 * activations peak = peak RSS minus everything resident before the first step and the gradient and moments the
 * first step allocates: what the forward keeps for the backward, and the backward's own temporaries.
 */
public final class TrainStepBench {
    private TrainStepBench() {}

    public static void main(String[] a) throws Exception {
        Path configJson = Path.of(a[0]);
        String mode = a[1];
        int batch = Integer.parseInt(a[2]);
        int src = Integer.parseInt(a[3]);
        int tgt = Integer.parseInt(a[4]);
        int warmup = Integer.parseInt(a[5]);
        int steps = Integer.parseInt(a[6]);
        boolean checkpointing = a.length > 8 && Boolean.parseBoolean(a[8]);
        if (!Json.read(configJson).path("model_type").asText("").equals("t5")) {
            causal(configJson, mode, batch, src, tgt, warmup, steps, a.length > 7 ? a[7] : "target", checkpointing);
            return;
        }
        Path dir = Files.createTempDirectory("bench-seq2seq");
        try (NDManager root = NDManager.newBaseManager()) {
            double[] rss = new double[2];
            Seq2SeqLM model = (Seq2SeqLM) randomModel(configJson, dir, root.newSubManager(), rss);
            Trainable trainable = trainable(model, mode, HfModelFolder.open(dir.resolve("model")).config(), root);
            Random rng = new Random(0);
            long[][] ids = new long[batch][src];
            long[][] mask = new long[batch][src];
            long[][] labels = new long[batch][tgt];
            long[][] dec = new long[batch][tgt];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < src; i++) {
                    ids[b][i] = 2 + rng.nextInt(model.vocabSize() - 2);
                    mask[b][i] = 1;
                }
                for (int i = 0; i < tgt; i++) {
                    labels[b][i] = 2 + rng.nextInt(model.vocabSize() - 2);
                }
                dec[b][0] = model.decoderStartTokenId();
                System.arraycopy(labels[b], 0, dec[b], 1, tgt - 1);
            }
            TrainBatch tb = new TrainBatch(ids, mask, dec, labels, List.of());
            System.out.println(Json.compact(measure(model, trainable, tb, mode, warmup, steps, (long) batch * (src + tgt),
                    rss, checkpointing).put("batch", batch).put("src", src).put("tgt", tgt)));
        } finally {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    /**
     * LoRA r=8 on PEFT's default targets of the architecture (q, v; q_proj, v_proj; c_attn), the same as DoRA, or
     * every weight.
     */
    private static Trainable trainable(LanguageModel model, String mode, ObjectNode config, NDManager root) {
        if (mode.equals("lora") || mode.equals("dora")) {
            boolean dora = mode.equals("dora");
            LoraConfig lc = LoraConfig.builder().r(8).loraAlpha(32).loraDropout(0.05).useDora(dora).build();
            return new AdapterTrainable(LoraModel.create(model, lc, 0, root), (dora ? "DoRA" : "LoRA")
                    + " r=8, default targets");
        }
        return new FullModelTrainable(model, model.configJson(config), null);
    }

    /**
     * A decoder-only config (llama, qwen2, gpt2): random weights of its shape written as a model folder (as
     * init-model does) and loaded; one sequence of src + tgt random tokens per row; labels on the tgt tokens (as
     * training masks the prompt) or, with "all", on every next token.
     */
    static void causal(Path configJson, String mode, int batch, int src, int tgt, int warmup, int steps,
                       String labelMode, boolean checkpointing) throws Exception {
        Path dir = Files.createTempDirectory("bench-causal");
        try (NDManager root = NDManager.newBaseManager()) {
            double[] rss = new double[2];
            LanguageModel model = randomModel(configJson, dir, root.newSubManager(), rss);
            Trainable trainable = trainable(model, mode, HfModelFolder.open(dir.resolve("model")).config(), root);
            int len = src + tgt;
            Random rng = new Random(0);
            long[][] ids = new long[batch][len];
            long[][] mask = new long[batch][len];
            long[][] labels = new long[batch][len];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < len; i++) {
                    ids[b][i] = 2 + rng.nextInt(model.vocabSize() - 2);
                    mask[b][i] = 1;
                }
                for (int i = 0; i < len; i++) {
                    // labels stored shifted: labels[i] is the token at i + 1; "target" masks the src part
                    boolean labelled = i + 1 < len && (labelMode.equals("all") || i + 1 >= src);
                    labels[b][i] = labelled ? ids[b][i + 1] : -100;
                }
            }
            TrainBatch tb = new TrainBatch(ids, mask, null, labels, List.of());
            ObjectNode out = measure(model, trainable, tb, mode, warmup, steps, (long) batch * len, rss, checkpointing)
                    .put("batch", batch).put("src", src).put("tgt", tgt).put("labels", labelMode);
            int labelled = 0;
            for (long[] row : labels) {
                for (long l : row) {
                    labelled += l >= 0 ? 1 : 0;
                }
            }
            // where the time goes: the step's GEMMs alone (see MatmulShare)
            double mm = MatmulShare.seconds(ModelLayout.of(model), model.numHiddenLayers(), batch, len,
                    model.numAttentionHeads(), model.hiddenSize() / model.numAttentionHeads(), labelled,
                    mode.equals("full"), root);
            out.put("matmul_s_per_step", mm).put("matmul_share", mm / out.get("seconds_per_step").asDouble());
            System.out.println(Json.compact(out));
        } finally {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    /**
     * Random weights of a config's shape (fp32, seed 0), written as a model folder {@code dir/model} as init-model
     * writes one (with a throwaway word-level tokenizer), and loaded on {@code manager}; {@code rss} receives the
     * resident MiB just before and just after the loading.
     */
    /** Writes {@code dir/model}: random fp32 weights of {@code configJson}'s shape (seed 0), a word-level tokenizer of a-h. */
    static Path randomModelFolder(Path configJson, Path dir) {
        return randomModelFolder(configJson, dir, "a b c d e f g h", 100);
    }

    /** The same with a word-level tokenizer of at most {@code maxVocab} tokens built from {@code corpus}. */
    static Path randomModelFolder(Path configJson, Path dir, CharSequence corpus, int maxVocab) {
        Path file;
        try {
            file = Files.writeString(dir.resolve("corpus.txt"), corpus);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ModelInitializer.initialize(dir.resolve("model"), ModelInitializer.configFile(configJson),
                ModelInitializer.TokenizerSource.build(List.of(file), maxVocab), 0, DType.F32, Long.MAX_VALUE, false);
        return dir.resolve("model");
    }

    static LanguageModel randomModel(Path configJson, Path dir, NDManager manager) {
        return randomModel(configJson, dir, manager, new double[2]);
    }

    static LanguageModel randomModel(Path configJson, Path dir, NDManager manager, double[] rss) {
        randomModelFolder(configJson, dir);
        System.gc(); // the generator's heap arrays are garbage now
        rss[0] = ProcessMemory.rssMib();
        LanguageModel model = Architectures.load(HfModelFolder.open(dir.resolve("model")), manager);
        rss[1] = ProcessMemory.rssMib();
        return model;
    }

    /** Runs {@code warmup + steps} updates of the real Trainer on one batch and times the last {@code steps}. */
    static ObjectNode measure(LanguageModel model, Trainable trainable, TrainBatch tb, String mode, int warmup,
                              int steps, long tokensPerStep, double[] rssBeforeAndAfterModel, boolean checkpointing)
            throws java.io.IOException {
        double rssBeforeStep = ProcessMemory.rssMib();
        Path runDir = Files.createTempDirectory("bench-train-step");
        try {
            int total = warmup + steps;
            List<TrainBatch> all = Collections.nCopies(total, tb);
            List<Long> stamps = new ArrayList<>();
            double[] lastLoss = {Double.NaN};
            TrainProgress timer = new TrainProgress() {
                @Override
                public void start(long totalSteps, long doneSteps) {
                    stamps.add(System.nanoTime());
                }

                @Override
                public void step(long doneSteps, double loss, double lr, double tps) {
                    stamps.add(System.nanoTime());
                    lastLoss[0] = loss;
                }

                @Override
                public void message(String line) {}

                @Override
                public void close() {}
            };
            TrainerSettings s = new TrainerSettings(1, total, 1, 0.0, 1e-4, 0.01, 0.9, 0.999, 1e-8,
                    LrSchedule.Kind.CONSTANT, 0, 0, 1e-4, 0, 1_000_000, false, 0,
                    TrainerSettings.NonfinitePolicy.STOP, 0, null, 0, 0, checkpointing);
            new Trainer(s, model, trainable, e -> all, runDir, List.of(), timer, null).train(false);
            double seconds = (stamps.get(total) - stamps.get(warmup)) / 1e9;
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("impl", "peft-trainer (DJL " + ai.djl.engine.Engine.getInstance().getVersion() + ")");
            out.put("mode", mode);
            out.put("architecture", model.architecture());
            out.put("warmup_steps", warmup).put("timed_steps", steps);
            out.put("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
            out.put("seconds_per_step", seconds / steps);
            out.put("tokens_per_s", tokensPerStep * steps / seconds);
            double peak = ProcessMemory.peakRssMib();
            double trainableMib = trainable.parameterCount() * 4.0 / (1 << 20);
            out.put("gradient_checkpointing", checkpointing);
            out.put("peak_rss_mib", peak);
            out.put("rss_after_model_mib", rssBeforeAndAfterModel[1]);
            out.put("runtime_mib", rssBeforeAndAfterModel[0]);
            out.put("weights_mib", model.weights().parameterCount() * 4.0 / (1 << 20));
            // the adapter's values, its gradient and AdamW's two moments; full: the values are the weights
            out.put("adapter_optimizer_mib", (mode.equals("full") ? 3 : 4) * trainableMib);
            out.put("activations_peak_mib", peak - rssBeforeStep - 3 * trainableMib);
            out.put("trainable_params", trainable.parameterCount());
            out.put("total_params", model.weights().parameterCount());
            out.put("last_loss", lastLoss[0]);
            return out;
        } finally {
            AtomicFiles.deleteRecursively(runDir);
        }
    }
}
