package org.pefttrainer.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pefttrainer.core.ProcessMemory;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationResult;
import org.pefttrainer.core.generate.TextGenerator;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;

/**
 * Greedy generation of a decoder-only config's shape with random weights, as tools/reference/bench_generate.py
 * times transformers' generate(): random prompts without padding, KV cache, EOS ignored so every row generates
 * exactly the requested tokens; the prompt pass alone (1 new token) is timed too. Returns one JSON object.
 */
final class CausalGenerateBench {
    private CausalGenerateBench() {}

    static ObjectNode run(Path configJson, int batch, int source, int newTokens, int repeats) throws Exception {
        Path dir = Files.createTempDirectory("bench-generate");
        try (NDManager root = NDManager.newBaseManager()) {
            LanguageModel model = TrainStepBench.randomModel(configJson, dir, root.newSubManager());
            SplittableRandom random = new SplittableRandom(99);
            List<long[]> prompts = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                long[] p = new long[source];
                for (int i = 0; i < source; i++) {
                    p[i] = 2 + random.nextInt(model.vocabSize() - 2);
                }
                prompts.add(p);
            }
            TextGenerator generator = TextGenerator.of(model);
            GenerationConfig greedy = GenerationConfig.builder().maxNewTokens(newTokens).ignoreEos(true).build();
            ForwardContext ctx = ForwardContext.inference(root);
            generator.generate(ctx, prompts, greedy.toBuilder().maxNewTokens(4).build()); // warm-up
            double[] prompt = new double[repeats];
            double[] full = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                prompt[i] = time(generator, ctx, prompts, greedy.toBuilder().maxNewTokens(1).build(), batch);
            }
            for (int i = 0; i < repeats; i++) {
                full[i] = time(generator, ctx, prompts, greedy, (long) batch * newTokens);
            }
            double p = median(prompt);
            double med = median(full);
            long tokens = (long) batch * newTokens;
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("impl", "peft-trainer").put("architecture", model.architecture())
                    .put("parameters", model.weights().parameterCount()).put("batch", batch).put("source", source)
                    .put("new", newTokens).put("prompt_pass_s", p).put("generate_s", med)
                    .put("tokens_per_s", tokens / med);
            o.set("runs_s", Json.MAPPER.valueToTree(full));
            if (med > p) {
                o.put("decode_tokens_per_s", tokens / (med - p));
            }
            o.put("peak_rss_mib", ProcessMemory.peakRssMib());
            return o;
        } finally {
            AtomicFiles.deleteRecursively(dir);
        }
    }

    private static double time(TextGenerator g, ForwardContext ctx, List<long[]> prompts, GenerationConfig c,
            long expected) {
        long t0 = System.nanoTime();
        GenerationResult r = g.generate(ctx, prompts, c);
        double s = (System.nanoTime() - t0) / 1e9;
        if (r.tokenCount() != expected) {
            throw new IllegalStateException("generated " + r.tokenCount() + " tokens, expected " + expected);
        }
        return s;
    }

    private static double median(double[] a) {
        return new org.apache.commons.math3.stat.descriptive.rank.Median().evaluate(a);
    }
}
