package org.pefttrainer.peft.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.Generator;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.tensor.GradMode;
import org.pefttrainer.peft.TinyModels;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.adapter.AdapterType;

/** Loading, activating by name, swapping and unloading adapters on one loaded base model. */
class AdapterRegistryTest {
    static Path tmp;
    static Path modelDir;
    static NDManager root;
    static T5Model base;
    static Path loraA;
    static Path loraB;
    static Path prompt;
    static final long[] INPUT = {17, 42, 99, 5, 63, 1};

    @BeforeAll
    static void setUp() throws IOException {
        tmp = Files.createTempDirectory("registry");
        modelDir = TinyModels.write(tmp.resolve("base"), TinyModels.config(120, 32, 2, true, false), 3, DType.F32, 0);
        root = NDManager.newBaseManager();
        base = T5Loader.load(HfModelFolder.open(modelDir), root.newSubManager(), null);
        loraA = TinyModels.lora(tmp.resolve("a"), base, 4, 16, false, 21, "q", "v", "wo");
        loraB = TinyModels.lora(tmp.resolve("b"), base, 8, 16, false, 22, "k", "o", "wi_0");
        prompt = TinyModels.prompt(tmp.resolve("p"), base, 4, 23);
    }

    @AfterAll
    static void tearDown() {
        root.close();
        AtomicFiles.deleteRecursively(tmp);
    }

    private static float[] logits(ForwardContext ctx) {
        NDManager m = ctx.manager();
        long[] mask = new long[INPUT.length];
        Arrays.fill(mask, 1);
        return base.forward(ctx, m.create(INPUT, new Shape(1, INPUT.length)), m.create(mask, new Shape(1, INPUT.length)),
                m.create(new long[] {0, 17, 42, 99}, new Shape(1, 4))).toFloatArray();
    }

    private static long[] greedy(ForwardContext ctx) {
        return new Generator(base).generate(ctx, List.of(INPUT), GenerationConfig.builder().maxNewTokens(8).build())
                .best(0).tokens();
    }

    /** Logits and greedy tokens with the adapter in {@code dir} loaded fresh (no registry). */
    private static Object[] fresh(Path dir) {
        try (NDManager m = root.newSubManager(); Adapter a = AdapterLoader.load(dir, base, m)) {
            ForwardContext ctx = a.attach(ForwardContext.inference(m));
            return new Object[] {logits(ctx), greedy(ctx)};
        }
    }

    private static Object[] viaRegistry(AdapterRegistry reg, String name) {
        try (NDManager m = root.newSubManager(); AdapterBatch b = reg.batch(name)) {
            ForwardContext ctx = b.attach(ForwardContext.inference(m));
            return new Object[] {logits(ctx), greedy(ctx)};
        }
    }

    @Test
    void swappingAtoBtoAGivesWhatFreshLoadsGive() {
        Object[] freshA = fresh(loraA);
        Object[] freshB = fresh(loraB);
        Object[] freshP = fresh(prompt);
        try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
            reg.load("a", loraA);
            reg.load("b", loraB);
            reg.load("p", prompt);
            for (String name : List.of("a", "b", "a", "p", "a", "b")) {
                Object[] want = switch (name) {
                    case "a" -> freshA;
                    case "b" -> freshB;
                    default -> freshP;
                };
                Object[] got = viaRegistry(reg, name);
                assertArrayEquals((float[]) want[0], (float[]) got[0], name + ": logits bit-identical");
                assertArrayEquals((long[]) want[1], (long[]) got[1], name + ": greedy tokens");
            }
        }
        // The adapters really differ (else the test could not fail).
        assertFalse(Arrays.equals((float[]) freshA[0], (float[]) freshB[0]));
    }

    @Test
    void baseWeightsAreSharedNeverCopied() {
        NDArray q = base.weights().get("encoder.block.0.layer.0.SelfAttention.q.weight");
        float[] before = q.toFloatArray();
        try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
            reg.load("a", loraA);
            reg.load("b", loraB);
            assertSame(base, reg.base());
            viaRegistry(reg, "a");
            viaRegistry(reg, "b");
        }
        assertSame(q, base.weights().get("encoder.block.0.layer.0.SelfAttention.q.weight"));
        assertArrayEquals(before, q.toFloatArray());
    }

    @Test
    void listsUnloadsAndFreesArrays() {
        try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
            AdapterInfo a = reg.load("a", loraA);
            reg.load("p", prompt);
            assertEquals(AdapterType.LORA, a.type());
            assertEquals(4, a.rank());
            assertEquals(4.0, a.scaling());
            Map<String, AdapterInfo> list = reg.list();
            assertEquals(List.of("a", "p"), new ArrayList<>(list.keySet()));
            assertEquals(AdapterType.PROMPT_TUNING, list.get("p").type());
            assertEquals(4, list.get("p").rank());
            assertEquals(8L * 32, list.get("p").parameters()); // 2N x d_model

            NDArray aArray = adapterArray(reg, "a");
            reg.unload("a");
            assertTrue(aArray.isReleased(), "unload frees the adapter's arrays");
            assertFalse(reg.contains("a"));
            UserException e = assertThrows(AdapterRegistry.UnknownAdapterException.class, () -> reg.batch("a"));
            assertEquals("unknown adapter 'a' (loaded: p)", e.getMessage());
            assertThrows(AdapterRegistry.UnknownAdapterException.class, () -> reg.unload("a"));

            // Unloading while a batch uses the adapter: the batch keeps working, the arrays go when it closes.
            reg.load("a", loraA);
            NDArray again = adapterArray(reg, "a");
            try (NDManager m = root.newSubManager(); AdapterBatch b = reg.batch(Arrays.asList("a", null))) {
                reg.unload("a");
                assertFalse(again.isReleased());
                assertEquals(2, new Generator(base).generate(b.attach(ForwardContext.inference(m)),
                        List.of(INPUT, INPUT), GenerationConfig.builder().maxNewTokens(3).build()).rows().size());
            }
            assertTrue(again.isReleased());
        }
    }

    private static NDArray adapterArray(AdapterRegistry reg, String name) {
        try (AdapterBatch b = reg.batch(name)) {
            return ((org.pefttrainer.peft.lora.LoraModel) b.attach(ForwardContext.inference(root)).linearHook())
                    .trainableParameters().values().iterator().next();
        }
    }

    @Test
    void refusesDuplicateAndInvalidNames() {
        try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
            reg.load("a", loraA);
            assertEquals("an adapter named 'a' is already loaded (unload it first)",
                    assertThrows(UserException.class, () -> reg.load("a", loraB)).getMessage());
            assertTrue(assertThrows(UserException.class, () -> reg.load("../x", loraB)).getMessage()
                    .startsWith("adapter name '../x' is not valid"));
            assertTrue(assertThrows(UserException.class, () -> reg.load("c", tmp.resolve("missing"))).getMessage()
                    .contains("adapter folder not found"));
            assertEquals(List.of("a"), new ArrayList<>(reg.list().keySet()));
        }
    }

    /** Threads look adapters up and run them while another thread loads and unloads a third adapter. */
    @Test
    void concurrentLookupsWhileLoadingAndUnloading() throws Exception {
        Object[] freshA = fresh(loraA);
        try (AdapterRegistry reg = new AdapterRegistry(base, root)) {
            reg.load("a", loraA);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 3; t++) {
                workers.add(pool.submit(() -> {
                    GradMode.disableOnThisThread();
                    start.await();
                    int runs = 0;
                    for (int i = 0; i < 15; i++) {
                        try (NDManager m = root.newSubManager(); AdapterBatch b = reg.batch("a")) {
                            if (!Arrays.equals((float[]) freshA[0], logits(b.attach(ForwardContext.inference(m))))) {
                                failures.add("logits differ");
                            }
                            runs++;
                        }
                        try (AdapterBatch b = reg.batch("churn")) {
                            runs++;
                        } catch (AdapterRegistry.UnknownAdapterException expected) {
                            // unloaded at this moment
                        }
                    }
                    return runs;
                }));
            }
            start.countDown();
            for (int i = 0; i < 10; i++) {
                reg.load("churn", i % 2 == 0 ? loraB : prompt);
                reg.unload("churn");
            }
            int runs = 0;
            for (Future<Integer> f : workers) {
                runs += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(failures.isEmpty(), failures.toString());
            assertTrue(runs >= 45, "every lookup of 'a' ran: " + runs);
            assertEquals(List.of("a"), new ArrayList<>(reg.list().keySet()));
        }
    }
}
