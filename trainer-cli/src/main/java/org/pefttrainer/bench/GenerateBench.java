package org.pefttrainer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.Generator;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * Tokens per second of greedy generation with and without the KV cache, on a model of real shape with random
 * weights (no checkpoint needed). Every sequence generates exactly the requested number of tokens (EOS ignored).
 *
 * <pre>
 * java -Dai.djl.offline=true [-Dai.djl.pytorch.num_threads=N] -cp ... org.pefttrainer.bench.GenerateBench \
 *     [--config=../shared/models/t5-small/config.json] [--batch=8] [--source=512] [--new=64] [--repeats=3]
 * </pre>
 */
public final class GenerateBench {
    private GenerateBench() {}

    public static void main(String[] args) {
        Map<String, String> opt = new HashMap<>(Map.of("config", "../shared/models/t5-small/config.json",
                "batch", "8", "source", "512", "new", "64", "repeats", "3"));
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            if (kv.length != 2 || !opt.containsKey(kv[0])) {
                throw new IllegalArgumentException("unknown option " + a + " (known: " + opt.keySet() + ")");
            }
            opt.put(kv[0], kv[1]);
        }
        Path configJson = Path.of(opt.get("config"));
        int batch = Integer.parseInt(opt.get("batch"));
        int source = Integer.parseInt(opt.get("source"));
        int newTokens = Integer.parseInt(opt.get("new"));
        int repeats = Integer.parseInt(opt.get("repeats"));

        Path dir;
        try {
            dir = java.nio.file.Files.createTempDirectory("bench-generate");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (NDManager base = NDManager.newBaseManager()) {
            if (!(TrainStepBench.randomModel(configJson, dir, base) instanceof Seq2SeqLM model)) {
                throw new org.pefttrainer.core.UserException(configJson + ": an encoder-decoder config is benchmarked"
                        + " here; decoder-only configs go through CausalGenerateBench");
            }
            NDArray ids = randomIds(base, batch, source, model.vocabSize(), 99);
            NDArray mask = base.ones(new Shape(batch, source), DataType.INT64);
            ForwardContext ctx = ForwardContext.inference(base);
            Generator generator = new Generator(model);
            System.out.printf("model %s: %,d parameters, hidden %d, %d layers; torch threads %d%n",
                    opt.get("config"), model.weights().parameterCount(), model.hiddenSize(), model.numHiddenLayers(),
                    JniUtils.getNumThreads());
            System.out.printf("greedy, batch %d, source %d tokens, %d new tokens per row, EOS ignored, %d repeats%n",
                    batch, source, newTokens, repeats);

            GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(newTokens).ignoreEos(true).build();
            // Warm-up (first calls pay for allocator growth and kernel selection).
            generator.generate(ctx, ids, mask, greedy.toBuilder().maxNewTokens(4).build());
            generator.generate(ctx, ids, mask, greedy.toBuilder().maxNewTokens(4).useCache(false).build());

            double[] encode = time(generator, ctx, ids, mask, greedy.toBuilder().maxNewTokens(1).build(), repeats,
                    batch);
            report("encoder + 1 step", batch, 1, encode, 0);
            double encodeSeconds = median(encode);
            for (boolean cache : new boolean[] {true, false}) {
                GenerationConfig c = greedy.toBuilder().useCache(cache).build();
                double[] seconds = time(generator, ctx, ids, mask, c, repeats, batch * newTokens);
                report(cache ? "KV cache" : "no cache (full decoder re-run per step)", batch, newTokens, seconds,
                        encodeSeconds);
            }
        } finally {
            org.pefttrainer.core.io.AtomicFiles.deleteRecursively(dir);
        }
    }

    private static double[] time(Generator generator, ForwardContext ctx, NDArray ids, NDArray mask,
            GenerationConfig config, int repeats, long expectedTokens) {
        double[] seconds = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            GenerationResult r = generator.generate(ctx, ids, mask, config);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
            if (expectedTokens > 1 && r.tokenCount() != expectedTokens) {
                throw new IllegalStateException("generated " + r.tokenCount() + " tokens, expected " + expectedTokens);
            }
        }
        return seconds;
    }

    private static void report(String what, int batch, int newTokens, double[] seconds, double encodeSeconds) {
        double med = median(seconds);
        long tokens = (long) batch * newTokens;
        String decodeOnly = encodeSeconds > 0 && med > encodeSeconds
                ? String.format(", decoder only ~%.1f tokens/s", tokens / (med - encodeSeconds)) : "";
        System.out.printf("  %-40s median %.3f s (runs %s): %.1f tokens/s%s%n", what, med,
                Arrays.toString(Arrays.stream(seconds).map(s -> Math.round(s * 1000) / 1000.0).toArray()),
                tokens / med, decodeOnly);
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static NDArray randomIds(NDManager m, int batch, int length, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] ids = new long[batch * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 2 + random.nextInt(vocab - 2);
        }
        return m.create(ids, new Shape(batch, length));
    }
}
