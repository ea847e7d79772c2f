package org.pefttrainer.peft.checkpointing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.ActivationCheckpoints;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelHooks;
import org.pefttrainer.core.model.TaskType;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.peft.Gradients;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * With activation checkpointing, one training forward and backward gives the loss and every trainable gradient of
 * the plain backward: T5 (tied v1.0 with dropout 0.1, and an untied gated one), Llama with grouped-query attention
 * and GPT-2, for LoRA (dropout 0.1 on every linear layer, DoRA on one case), a soft prompt and every weight. Dropout
 * masks are replayed in the recompute, so the comparison runs with dropout on. The two runs sum the same terms in
 * another order: tolerances are 1e-6 relative for the loss and 1e-5 of each tensor's largest gradient.
 */
class ActivationCheckpointingTest {
    private static final Path CORE = Path.of("..", "trainer-core", "src", "test", "resources", "reference", "causal");
    private static final Map<String, Path> BASES = Map.of(
            "t5-tied", Path.of("..", "trainer-parity", "src", "test", "resources", "reference", "checkpoints",
                    "t5-v1-relu"),
            "t5-gated", Path.of("src", "test", "resources", "peft-samples", "tiny-t5"),
            "llama-gqa", CORE.resolve("llama-gqa"),
            "gpt2", CORE.resolve("gpt2"));

    static Stream<Arguments> cases() {
        return Stream.of("t5-tied", "t5-gated", "llama-gqa", "gpt2").flatMap(b -> Stream.of("lora", "dora", "prompt",
                "full").map(m -> Arguments.of(b, m)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void checkpointedBackwardGivesThePlainLossAndGradients(String base, String method) {
        Map<String, float[]> plain = new LinkedHashMap<>();
        Map<String, float[]> checkpointed = new LinkedHashMap<>();
        float lossPlain = step(base, method, false, plain);
        float lossCheckpointed = step(base, method, true, checkpointed);
        assertEquals(lossPlain, lossCheckpointed, 1e-6 * Math.abs(lossPlain), "loss");
        assertEquals(plain.keySet(), checkpointed.keySet());
        double worst = 0;
        int nonzero = 0;
        for (String name : plain.keySet()) {
            float[] a = plain.get(name);
            float[] b = checkpointed.get(name);
            double[] ds = Gradients.maxDiffAndScale(a, b);
            double diff = ds[0];
            double scale = ds[1];
            nonzero += scale > 0 ? 1 : 0;
            assertTrue(diff <= 1e-5 * scale, name + ": max |diff| " + diff + " of " + scale);
            worst = Math.max(worst, scale == 0 ? 0 : diff / scale);
        }
        assertTrue(nonzero >= Math.max(1, plain.size() / 2), "most gradients are nonzero: " + nonzero + " of "
                + plain.size());
        System.out.printf("checkpointing %s %s: loss %.9g vs %.9g, %d tensors, worst max|diff|/max|g| %.2e%n", base,
                method, lossPlain, lossCheckpointed, plain.size(), worst);
    }

    /** One forward and backward; the gradients by name into {@code grads}; returns the loss. */
    private static float step(String base, String method, boolean checkpointing, Map<String, float[]> grads) {
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = Architectures.load(HfModelFolder.open(BASES.get(base)), m.newSubManager());
            Map<String, NDArray> params;
            ModelHooks hooks;
            Adapter adapter = null;
            switch (method) {
                case "lora", "dora" -> {
                    adapter = LoraModel.create(model, LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1)
                            .targetModules(TargetModules.allLinear()).initLoraWeights(LoraInit.NONE)
                            .useDora(method.equals("dora")).build(), 11, m);
                    params = adapter.trainableParameters();
                    hooks = adapter;
                }
                case "prompt" -> {
                    adapter = SoftPrompt.create(model, PromptTuningConfig.builder(3).build(), 11, null, m);
                    params = adapter.trainableParameters();
                    hooks = adapter;
                }
                default -> {
                    params = model.weights().arrays();
                    params.values().forEach(p -> p.setRequiresGradient(true));
                    hooks = ModelHooks.NONE;
                }
            }
            Batch b = batch(model);
            float loss;
            try (NDManager step = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ActivationCheckpoints tape = checkpointing ? new ActivationCheckpoints() : null;
                ForwardContext ctx = hooks.attach(new ForwardContext(step, true, null, null)).withDropoutSeed(5)
                        .withActivationCheckpoints(tape);
                NDArray l = TaskForward.loss(model, ctx, step.create(b.ids, b.shape), step.create(b.mask, b.shape),
                        b.decoder == null ? null : step.create(b.decoder, b.labelShape),
                        step.create(b.labels, b.labelShape));
                loss = l.getFloat();
                if (tape != null) {
                    tape.backward(l);
                } else {
                    gc.backward(l);
                }
            }
            params.forEach((name, p) -> {
                try (NDArray g = p.getGradient()) {
                    grads.put(name, g.toFloatArray());
                }
            });
            if (adapter != null) {
                adapter.close();
            }
            return loss;
        }
    }

    private record Batch(long[] ids, long[] mask, Shape shape, long[] decoder, long[] labels, Shape labelShape) {}

    /** Two rows, the second with padding; labels on part of each row (-100 elsewhere). */
    private static Batch batch(LanguageModel model) {
        Random rnd = new Random(3);
        int rows = 2;
        int len = 9;
        int vocab = model.vocabSize();
        long[] ids = new long[rows * len];
        long[] mask = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            int real = r == 0 ? len : len - 3;
            for (int t = 0; t < len; t++) {
                ids[r * len + t] = t < real ? 3 + rnd.nextInt(vocab - 3) : 0;
                mask[r * len + t] = t < real ? 1 : 0;
            }
        }
        Shape shape = new Shape(rows, len);
        if (model.taskType() == TaskType.SEQ_2_SEQ_LM) {
            int tgt = 5;
            long[] labels = new long[rows * tgt];
            long[] decoder = new long[rows * tgt];
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < tgt; t++) {
                    labels[r * tgt + t] = r == 1 && t == tgt - 1 ? -100 : 3 + rnd.nextInt(vocab - 3);
                    decoder[r * tgt + t] = t == 0 ? 0 : Math.max(0, labels[r * tgt + t - 1]);
                }
            }
            return new Batch(ids, mask, shape, decoder, labels, new Shape(rows, tgt));
        }
        long[] labels = new long[rows * len];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < len; t++) {
                boolean target = t >= 4 && t + 1 < len && mask[r * len + t + 1] == 1;
                labels[r * len + t] = target ? ids[r * len + t + 1] : -100;
            }
        }
        return new Batch(ids, mask, shape, null, labels, shape);
    }

}
