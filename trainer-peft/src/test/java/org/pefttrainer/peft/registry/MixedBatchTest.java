package org.pefttrainer.peft.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.generate.GeneratedSequence;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.Generator;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.TinyModels;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * One generate call whose rows use different adapters — LoRA adapters of ranks 2 (q, v) and 6 (all-linear, rsLoRA),
 * soft prompts of 3 and 5 virtual tokens, and no adapter — must give each row what it gets when it runs alone with
 * its adapter: logits to fp32 rounding, generated tokens exactly (greedy and beam search).
 */
class MixedBatchTest {
    /** Batched matmuls over zero-padded ranks sum the same products in another order than a single adapter's. */
    static final float LOGIT_TOLERANCE = 2e-5f;

    static Path tmp;
    static NDManager root;
    static T5Model base;
    static AdapterRegistry registry;
    static List<long[]> inputs;
    static final List<String> ROWS = Arrays.asList("lora2", null, "prompt5", "lora6", "prompt3", "lora2", null, "lora6");

    @BeforeAll
    static void setUp() throws IOException {
        tmp = Files.createTempDirectory("mixed-batch");
        Path model = TinyModels.write(tmp.resolve("base"), TinyModels.config(160, 32, 2, false, true), 7, DType.F32, 0);
        root = NDManager.newBaseManager();
        base = T5Loader.load(HfModelFolder.open(model), root.newSubManager(), null);
        registry = new AdapterRegistry(base, root);
        registry.load("lora2", TinyModels.lora(tmp.resolve("lora2"), base, 2, 32, false, 11, "q", "v"));
        registry.load("lora6", TinyModels.lora(tmp.resolve("lora6"), base, 6, 24, true, 12, "all-linear"));
        registry.load("prompt3", TinyModels.prompt(tmp.resolve("prompt3"), base, 3, 13));
        registry.load("prompt5", TinyModels.prompt(tmp.resolve("prompt5"), base, 5, 14));
        Random rnd = new Random(5);
        inputs = new ArrayList<>();
        for (int r = 0; r < ROWS.size(); r++) {
            long[] ids = new long[3 + rnd.nextInt(10)];
            for (int i = 0; i < ids.length - 1; i++) {
                ids[i] = 3 + rnd.nextInt(157);
            }
            ids[ids.length - 1] = 1;
            inputs.add(ids);
        }
    }

    @AfterAll
    static void tearDown() {
        registry.close();
        root.close();
        AtomicFiles.deleteRecursively(tmp);
    }

    private static GenerationResult generate(AdapterBatch batch, List<long[]> rows, GenerationConfig config) {
        try (NDManager m = root.newSubManager()) {
            return new Generator(base).generate(batch.attach(ForwardContext.inference(m)), rows, config);
        }
    }

    /** Teacher-forced logits [T, V] per row of a right-padded batch of {@code rows}. */
    private static List<float[]> logits(AdapterBatch batch, List<long[]> rows) {
        int width = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
        int t = 6;
        long[] ids = new long[rows.size() * width];
        long[] mask = new long[ids.length];
        long[] dec = new long[rows.size() * t];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, ids, r * width, rows.get(r).length);
            Arrays.fill(mask, r * width, r * width + rows.get(r).length, 1);
            for (int i = 1; i < t; i++) {
                dec[r * t + i] = rows.get(r)[(i - 1) % rows.get(r).length];
            }
        }
        try (NDManager m = root.newSubManager()) {
            float[] all = base.forward(batch.attach(ForwardContext.inference(m)),
                    m.create(ids, new Shape(rows.size(), width)), m.create(mask, new Shape(rows.size(), width)),
                    m.create(dec, new Shape(rows.size(), t))).toFloatArray();
            int per = all.length / rows.size();
            List<float[]> out = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) {
                out.add(Arrays.copyOfRange(all, r * per, (r + 1) * per));
            }
            return out;
        }
    }

    private static float[] aloneLogits(int row, String adapter) {
        try (AdapterBatch b = registry.batch(adapter)) {
            return logits(b, List.of(inputs.get(row))).get(0);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    @Test
    void mixedLogitsEqualEachRowAlone() {
        List<float[]> mixed;
        try (AdapterBatch b = registry.batch(ROWS)) {
            assertTrue(b.mixed());
            mixed = logits(b, inputs);
        }
        for (int r = 0; r < ROWS.size(); r++) {
            float[] alone = aloneLogits(r, ROWS.get(r));
            assertArrayEquals(alone, mixed.get(r), LOGIT_TOLERANCE, "row " + r + " (" + ROWS.get(r) + ")");
            if (ROWS.get(r) != null) {
                // The adapter matters: without it the row's logits are far off.
                assertTrue(maxAbsDiff(alone, aloneLogits(r, null)) > 1e-2, "adapter " + ROWS.get(r) + " changes row " + r);
            }
        }
    }

    @Test
    void mixedGreedyEqualsEachRowAlone() {
        assertMixedGenerationEqualsAlone(GenerationConfig.builder().maxNewTokens(12).build());
    }

    @Test
    void mixedBeamSearchEqualsEachRowAlone() {
        assertMixedGenerationEqualsAlone(GenerationConfig.builder().maxNewTokens(10).numBeams(3).numReturnSequences(2)
                .build());
    }

    private static void assertMixedGenerationEqualsAlone(GenerationConfig config) {
        GenerationResult mixed;
        try (AdapterBatch b = registry.batch(ROWS)) {
            mixed = generate(b, inputs, config);
        }
        int differsFromBase = 0;
        for (int r = 0; r < ROWS.size(); r++) {
            List<GeneratedSequence> alone;
            try (AdapterBatch b = registry.batch(ROWS.get(r))) {
                alone = generate(b, List.of(inputs.get(r)), config).rows().get(0);
            }
            List<GeneratedSequence> got = mixed.rows().get(r);
            assertEquals(alone.size(), got.size());
            for (int s = 0; s < alone.size(); s++) {
                assertArrayEquals(alone.get(s).tokens(), got.get(s).tokens(), "row " + r + " sequence " + s);
                if (!Double.isNaN(alone.get(s).score())) {
                    assertEquals(alone.get(s).score(), got.get(s).score(), 1e-4, "row " + r + " beam score");
                }
            }
            if (ROWS.get(r) != null) {
                try (AdapterBatch b = registry.batch((String) null)) {
                    long[] plain = generate(b, List.of(inputs.get(r)), config).best(0).tokens();
                    differsFromBase += Arrays.equals(plain, alone.get(0).tokens()) ? 0 : 1;
                }
            }
        }
        System.out.println(config.strategy() + ": adapted rows whose text differs from the base model's: " + differsFromBase);
        assertTrue(differsFromBase >= 3, "adapters change the generated text of most adapted rows: " + differsFromBase);
    }

    /**
     * Why the mixed prompt hook pads before the prompt: padding between prompt and text lengthens the prompt-to-text
     * distances, and T5's relative position bias sees that (the logits move), while padding in front changes no
     * distance between unmasked positions.
     */
    @Test
    void paddingBetweenPromptAndTextWouldChangeTheResult() {
        int row = 4; // prompt3
        SoftPrompt prompt;
        try (AdapterBatch b = registry.batch("prompt3")) {
            prompt = (SoftPrompt) registryAdapter("prompt3");
            float[] alone = logits(b, List.of(inputs.get(row))).get(0);
            InputEmbeddingHook between = (emb, mask, ctx) -> {
                NDArray[] withPrompt = prompt.apply(emb, mask, ctx);
                NDManager m = emb.getManager();
                int gap = 4;
                NDArray h = withPrompt[0].get(":, :3, :").concat(m.zeros(new Shape(1, gap, 32)), 1)
                        .concat(withPrompt[0].get(":, 3:, :"), 1);
                NDArray mk = withPrompt[1].get(":, :3").concat(m.zeros(new Shape(1, gap), DataType.INT64), 1)
                        .concat(withPrompt[1].get(":, 3:"), 1);
                return new NDArray[] {h, mk};
            };
            InputEmbeddingHook before = (emb, mask, ctx) -> {
                NDArray[] withPrompt = prompt.apply(emb, mask, ctx);
                NDManager m = emb.getManager();
                return new NDArray[] {m.zeros(new Shape(1, 4, 32)).concat(withPrompt[0], 1),
                    m.zeros(new Shape(1, 4), DataType.INT64).concat(withPrompt[1], 1)};
            };
            float[] padBetween = logitsWith(between, inputs.get(row));
            float[] padBefore = logitsWith(before, inputs.get(row));
            assertArrayEquals(alone, padBefore, LOGIT_TOLERANCE, "masked padding in front is harmless");
            assertTrue(maxAbsDiff(alone, padBetween) > 1e-3, "padding between prompt and text changes the logits: "
                    + maxAbsDiff(alone, padBetween));
        }
    }

    private static org.pefttrainer.peft.adapter.Adapter registryAdapter(String name) {
        try (AdapterBatch b = registry.batch(name)) {
            ForwardContext ctx = b.attach(ForwardContext.inference(root));
            return (SoftPrompt) ctx.inputEmbeddingHook();
        }
    }

    private static float[] logitsWith(InputEmbeddingHook hook, long[] ids) {
        try (NDManager m = root.newSubManager()) {
            AdapterBatch none = registry.batch((String) null);
            try (none) {
                ForwardContext ctx = none.attach(ForwardContext.inference(m)).withHooks(null, hook, null);
                int t = 6;
                long[] dec = new long[t];
                for (int i = 1; i < t; i++) {
                    dec[i] = ids[(i - 1) % ids.length];
                }
                long[] mask = new long[ids.length];
                Arrays.fill(mask, 1);
                return base.forward(ctx, m.create(ids, new Shape(1, ids.length)), m.create(mask, new Shape(1, ids.length)),
                        m.create(dec, new Shape(1, t))).toFloatArray();
            }
        }
    }

    @Test
    void batchOfOneAdapterUsesItsOwnHooks() {
        try (AdapterBatch b = registry.batch(Arrays.asList("lora6", "lora6", "lora6"))) {
            assertFalse(b.mixed());
        }
        try (AdapterBatch b = registry.batch(Arrays.asList(null, "", null))) {
            assertFalse(b.mixed());
            ForwardContext ctx = b.attach(ForwardContext.inference(root));
            assertTrue(ctx.linearHook() == null && ctx.inputEmbeddingHook() == null);
        }
    }
}
